/**
 * The comparison run end to end: a small matrix over real targets, Ctrl-C
 * halfway (run.json says incomplete and keeps what was measured, no server
 * left behind), `--resume` finishing the same set of cells, and the reports.
 */

import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { nativeClientPath } from "../run/NativeClient.ts"
import { RunFile } from "../run/RunFile.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { skipWithoutFile } from "../testing/SkipMissing.ts"
import { runCli } from "./Harness.ts"

const readRun = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return Schema.decodeUnknownSync(Schema.parseJson(RunFile))(yield* fs.readFileString(`${dir}/run.json`))
  })

const cellKeys = (run: RunFile) => run.cells.map((c) => `${c.target}/${c.connections}/${c.bytesPerConnection}`)

describe("compare", () => {
  it.live(
    "survives Ctrl-C, resumes to the same cells, and writes every report",
    (ctx) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        yield* skipWithoutFile(
          ctx,
          nativeClientPath,
          "needs the C yardstick: apt-get install gcc, then npm run build:native"
        )
        const runs = yield* fs.makeTempDirectoryScoped()
        const args = [
          "compare",
          "--runs-dir",
          runs,
          "--targets",
          "c-epoll,node-raw,no-such-toolchain-check",
          "--connections",
          "1,10,100",
          "--bytes",
          "32768,131072",
          "--repetitions",
          "2",
          "--client",
          "native",
          // The other test files run beside this one: the cores are busy by design.
          "--allow-busy"
        ]
        // An unknown target is refused before anything runs.
        const refused = yield* runCli("node", args)
        expect(refused.exitCode).toBe(2)
        expect(refused.stderr).toContain('unknown target "no-such-toolchain-check": valid targets are')
        args[4] = "c-epoll,node-raw"

        const argv = yield* entryArgv("node", args)
        const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)))
        // Interrupt once the second target has started measuring.
        let output = ""
        yield* proc.stdout.pipe(
          Stream.decodeText(),
          Stream.tap((text) => Effect.sync(() => (output += text))),
          Stream.takeUntil(() => output.includes("node-raw 1×")),
          Stream.runDrain
        )
        const stderr = yield* Effect.fork(Stream.mkString(Stream.decodeText(proc.stderr)))
        yield* proc.kill("SIGINT")
        // Interrupted: exit 130, after saying how to continue.
        expect(yield* proc.exitCode).toBe(130)
        expect(yield* Effect.flatten(stderr.await)).toContain(`continue with \`npm run compare -- --resume ${runs}/`)
        const [dir] = yield* fs.readDirectory(runs)
        const partial = yield* readRun(`${runs}/${dir}`)
        expect(partial.complete).toBe(false)
        expect(partial.interruptedAt).toBeDefined()
        expect(partial.cells.filter((c) => c.target === "c-epoll").every((c) => c.status === "ok")).toBe(true)
        expect(partial.cells.some((c) => c.status === "pending")).toBe(true)
        expect(partial.environment.sysctls["net.core.somaxconn"]).toBeDefined()

        const resumed = yield* runCli("node", ["compare", "--resume", `${runs}/${dir}`, "--allow-busy"])
        expect(resumed.exitCode, resumed.stderr).toBe(0)
        const final = yield* readRun(`${runs}/${dir}`)
        expect(final.complete).toBe(true)
        expect(final.interruptedAt).toBeUndefined()
        expect(cellKeys(final)).toEqual(cellKeys(partial))
        expect(final.cells.every((c) => c.status === "ok")).toBe(true)
        // What was measured before Ctrl-C is kept, not measured again.
        expect(final.cells[0]!.samples[0]!.startedAt).toBe(partial.cells[0]!.samples[0]!.startedAt)
        for (const cell of final.cells) {
          expect(cell.samples.filter((s) => !s.warmup)).toHaveLength(2)
          for (const sample of cell.samples) {
            expect(sample.flood.ok).toBe(true)
            expect(sample.flood.bytesVerified).toBe(cell.connections * cell.bytesPerConnection)
            expect(sample.server?.peakRssBytes).toBeGreaterThan(0)
          }
        }
        for (const file of ["report.md", "results.csv", "report.html"]) {
          expect(yield* fs.exists(`${runs}/${dir}/${file}`)).toBe(true)
        }
        const markdown = yield* fs.readFileString(`${runs}/${dir}/report.md`)
        expect(markdown).toContain("C epoll (edge-triggered)")
        expect(markdown).toContain("Node.js net (raw)")
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)),
    180_000
  )
})
