/**
 * Client and server apart, end to end through the CLI: `compare` and
 * `saturate` with `--network veth` (every server in a test host, the client
 * outside), and `compare --server-ssh` against a real sshd in a test host,
 * which starts, pins, samples and stops every server there over SSH. The
 * "server host" shares this machine's files, so its checkout is this one at
 * the same path and commit; the SSH path is still taken for every step.
 * Namespaces are gone afterwards. Needs root and sshd.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { nativeClientPath } from "../run/NativeClient.ts"
import { RunFile } from "../run/RunFile.ts"
import { SaturationResult } from "../run/SaturationResult.ts"
import { capture } from "../system/CapturedCommand.ts"
import { SSHD, startSshd } from "../system/fixtures/Sshd.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import { requireAll, skipMissing, skipWithoutRoot } from "../testing/SkipMissing.ts"
import { runCli } from "./Harness.ts"

const env = Layer.provideMerge(LinuxSystem.layer, NodeContext.layer)
const { existsSync } = await import("node:fs")

const ourNamespaces = Effect.map(capture(["ip", "netns", "list"]), (r) =>
  r.stdout
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith("echoflood-"))
)

const readRun = (runs: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const [id] = (yield* fs.readDirectory(runs)).filter((name) => !name.includes("."))
    const dir = `${runs}/${id}`
    return {
      run: Schema.decodeUnknownSync(Schema.parseJson(RunFile))(yield* fs.readFileString(`${dir}/run.json`)),
      report: yield* fs.readFileString(`${dir}/report.md`)
    }
  })

/** A small matrix: 2 targets × 1 and 10 connections × 32 KiB, one repetition. */
const smallMatrix = (runs: string) => [
  "compare",
  "--runs-dir",
  runs,
  "--targets",
  "c-epoll,python-threads",
  "--connections",
  "1,10",
  "--bytes",
  "32KiB",
  "--repetitions",
  "1",
  "--client",
  "native",
  "--allow-busy"
]

describe.skipIf(skipWithoutRoot)("client and server apart (needs root)", () => {
  it.scopedLive(
    "compare and saturate with --network veth: servers in a test host, recorded, no namespace left",
    (ctx) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        if (!(yield* fs.exists(nativeClientPath))) {
          return yield* skipMissing(ctx, "needs the C yardstick: apt-get install gcc, then npm run build:native")
        }
        const before = yield* ourNamespaces
        const runs = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-veth-runs-" })
        const compared = yield* runCli("node", [...smallMatrix(runs), "--network", "veth", "--link-rate", "1gbit"])
        expect(compared.exitCode, compared.stdout + compared.stderr).toBe(0)
        expect(compared.stdout).toMatch(/servers in test host echoflood-\d+-0 at 198\.1[89]\.\d+\.2 behind a veth link/)
        const { run, report } = yield* readRun(runs)
        expect(run.options.network).toEqual({ kind: "veth", rateBitsPerSecond: 1e9 })
        expect(run.cells.map((c) => c.status)).toEqual(["ok", "ok", "ok", "ok"])
        for (const cell of run.cells) {
          expect(cell.samples[0]!.flood.host).toMatch(/^198\.1[89]\.\d+\.2$/)
          expect(cell.samples[0]!.server?.cpuUserSeconds).toBeGreaterThanOrEqual(0)
        }
        expect(report).toContain("veth link to a test host (1 Gbit/s)")
        expect(yield* ourNamespaces).toEqual(before)

        const saturated = yield* runCli("node", [
          "saturate",
          "--targets",
          "c-epoll",
          "--connections",
          "50",
          "--duration",
          "2",
          "--warmup",
          "1",
          "--network",
          "veth",
          "--json"
        ])
        expect(saturated.exitCode, saturated.stderr).toBe(0)
        const result = Schema.decodeUnknownSync(Schema.parseJson(SaturationResult))(saturated.stdout.trim())
        expect(result.status).toBe("ok")
        expect(result.settings.network).toEqual({ kind: "veth" })
        expect(result.client?.ramp.connected).toBe(50)
        expect(yield* ourNamespaces).toEqual(before)
      }).pipe(Effect.provide(env)),
    300_000
  )

  it.scopedLive(
    "compare --server-ssh runs the matrix with every server on the SSH host",
    (ctx) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        if (!existsSync(SSHD) && !requireAll)
          return yield* skipMissing(ctx, "needs sshd: apt-get install openssh-server")
        if (!(yield* fs.exists(nativeClientPath))) {
          return yield* skipMissing(ctx, "needs the C yardstick: apt-get install gcc, then npm run build:native")
        }
        const { host, testHost } = yield* startSshd(3, repoRoot)
        const there = host("client_key")
        const runs = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-ssh-runs-" })
        const compared = yield* runCli("node", [
          ...smallMatrix(runs),
          "--server-ssh",
          there.destination,
          ...there.options.flatMap((option) => ["--ssh-option", option])
        ])
        expect(compared.exitCode, compared.stdout + compared.stderr).toBe(0)
        expect(compared.stdout).toContain(
          `servers on ${there.destination} (over SSH, listening on ${testHost.insideAddress})`
        )
        const { run, report } = yield* readRun(runs)
        expect(run.options.serverHost).toMatchObject({
          destination: there.destination,
          directory: repoRoot,
          address: testHost.insideAddress
        })
        expect(run.options.serverHost?.cpus).toBeGreaterThan(0)
        expect(run.cells.map((c) => c.status)).toEqual(["ok", "ok", "ok", "ok"])
        for (const cell of run.cells) {
          const sample = cell.samples[0]!
          expect(sample.flood.host).toBe(testHost.insideAddress)
          // Read there through the SSH connection: the server's own process, not the local ssh.
          expect(sample.server?.pid).toBeGreaterThan(0)
          expect(sample.serverCore?.core).toBe(0)
          const comm = yield* fs.readFileString(`/proc/${sample.server!.pid}/comm`).pipe(Effect.option)
          expect(comm._tag, `server pid ${sample.server!.pid} still running`).toBe("None")
        }
        expect(report).toContain(`${there.destination} over SSH`)

        // A wrong key is refused before any flood, naming the fix.
        const refused = yield* runCli("node", [
          ...smallMatrix(runs),
          "--server-ssh",
          there.destination,
          ...host("stranger_key").options.flatMap((option) => ["--ssh-option", option])
        ])
        expect(refused.exitCode).not.toBe(0)
        expect(refused.stderr).toContain("refused our key")
      }).pipe(Effect.provide(env)),
    300_000
  )

  it.effect(
    "usage errors before anything runs",
    () =>
      Effect.gen(function* () {
        const both = yield* runCli("node", ["compare", "--server-ssh", "root@198.18.0.2", "--network", "veth"])
        expect(both.exitCode).toBe(2)
        expect(both.stderr).toContain("Pick one")
        const lone = yield* runCli("node", ["compare", "--ssh-option", "Port=2222"])
        expect(lone.exitCode).toBe(2)
        expect(lone.stderr).toContain("--server-ssh user@host")
      }).pipe(Effect.provide(env)),
    60_000
  )
})
