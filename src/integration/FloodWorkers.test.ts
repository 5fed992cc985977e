/**
 * Flood workers in test hosts: our server listens on this machine's end of
 * the first test host's link, and W workers, each in its own test host (its
 * own network stack, as on its own client host), flood their share of the
 * connections from a common start time. `merge` must combine them into one
 * ok result of all connections. Needs root: skipped with the reason otherwise.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import { acquireTestHost } from "../system/TestHost.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { nodeLive } from "../testing/Live.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"
import { parseReport, runCli, startEchoServer } from "./Harness.ts"

const WORKERS = 2
const CONNECTIONS = 101

describe.skipIf(skipWithoutRoot)("flood workers in test hosts (needs root)", () => {
  it.scopedLive(
    "workers started together merge into one verified result of every connection",
    () =>
      Effect.gen(function* () {
        const hosts = yield* Effect.forEach(
          Array.from({ length: WORKERS }, (_, i) => i),
          (i) => acquireTestHost(i)
        )
        const serverAddress = hosts[0]!.outsideAddress
        const server = yield* startEchoServer("node", ["--host", serverAddress])
        // Far enough ahead for every worker's runtime to start and connect, even on a busy machine.
        const startAt = Date.now() + 20_000
        const outputs = yield* Effect.forEach(
          hosts,
          (host, index) =>
            Effect.flatMap(
              entryArgv("node", [
                "flood",
                "--host",
                serverAddress,
                "--port",
                String(server.port),
                "--connections",
                String(CONNECTIONS),
                "--bytes",
                "256KiB",
                "--workers",
                String(WORKERS),
                "--worker-index",
                String(index),
                "--start-at",
                String(startAt),
                "--json"
              ]),
              (argv) => capture(host.exec(argv))
            ),
          { concurrency: "unbounded" }
        )
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-workers-" })
        const files: Array<string> = []
        for (const [index, output] of outputs.entries()) {
          const report = parseReport(output.stdout)
          expect(report.ok).toBe(true)
          expect(report.worker).toEqual({ index, of: WORKERS })
          // Each share started at the common time, not before.
          expect(report.startAt?.atMs).toBe(startAt)
          files.push(`${dir}/worker-${index}.json`)
          yield* fs.writeFileString(files[index]!, output.stdout)
        }
        const merged = yield* runCli("node", ["merge", ...files, "--json"])
        expect(merged.exitCode).toBe(0)
        const result = parseReport(merged.stdout)
        expect(result.ok).toBe(true)
        expect(result.connections).toBe(CONNECTIONS)
        expect(result.connectionsCompleted).toBe(CONNECTIONS)
        expect(result.bytesVerified).toBe(CONNECTIONS * 256 * 1024)
        // A worker still connecting at the start time is said, not hidden.
        const late = outputs.some((o) => {
          const r = parseReport(o.stdout)
          return (r.startAt?.connectedAtMs ?? 0) > startAt
        })
        expect(merged.stderr.includes("still connecting")).toBe(late)
      }).pipe(Effect.provide(nodeLive)),
    180_000
  )
})
