/**
 * The flood against deliberately faulty echo servers (adapters/node/faulty):
 * each fault must fail the flood with the right error kind, promptly. A byte
 * sent after a correct echo (20 ms later, or when the client half-closes)
 * must fail every client, the native one included.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { startFaultyServer } from "../testing/FaultyServer.ts"
import { nodeLive } from "../testing/Live.ts"
import { type RuntimeName, runtimeNames } from "../transport/Transport.ts"
import { parseReport, runCli } from "./Harness.ts"

const cases = [
  ["flip", "corrupted"],
  ["drop", "missing-bytes"],
  ["add", "extra-bytes"],
  ["truncate", "truncated"],
  ["stall", "stalled"],
  ["reset", "reset"]
] as const

/** Floods a faulty server with 4 connections of 128 KiB from `runtime`'s CLI; the run must fail. */
const floodFaulty = (runtime: RuntimeName, port: number, extra: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const args = ["--port", String(port), "--connections", "4", "--bytes", "131072", "--json"]
    const run = yield* runCli(runtime, ["flood", ...args, ...extra])
    expect(run.exitCode).toBe(1)
    const report = parseReport(run.stdout)
    expect(report.ok).toBe(false)
    return report
  })

describe("flood against faulty servers", () => {
  for (const [fault, kind] of cases) {
    it.live(
      `${fault} → ${kind}`,
      () =>
        Effect.gen(function* () {
          const server = yield* startFaultyServer(fault, 40000)
          const report = yield* floodFaulty("node", server.port, ["--stall-timeout", "1", "--timeout", "20"])
          expect(report.errors).toEqual({ [kind]: 4 })
          expect(report.errorDetails[0]?.kind).toBe(kind)
          // Stalls are cut at the stall timeout (1 s), never at the overall one (20 s). The flood's own
          // clock, not the wall clock: starting the CLI under tsx takes seconds on a busy machine.
          expect(report.seconds).toBeLessThan(10)
        }).pipe(Effect.scoped, Effect.provide(nodeLive)),
      60_000
    )
  }

  // The client that runs the flood: the CLI on each runtime, and the native C client through node's CLI.
  const clients = [
    ...runtimeNames.map((runtime) => [runtime, runtime, "ts"] as const),
    ["native", "node", "native"] as const
  ]
  for (const fault of ["late", "late-close"] as const) {
    for (const [name, runtime, client] of clients) {
      it.live(
        `${fault} → excess on the ${name} client`,
        () =>
          Effect.gen(function* () {
            const server = yield* startFaultyServer(fault, 131072)
            const report = yield* floodFaulty(runtime, server.port, ["--client", client, "--stall-timeout", "2"])
            expect(report.runtime).toBe(name)
            expect(report.errors).toEqual({ excess: 4 })
            expect(report.connectionsCompleted).toBe(0)
            expect(report.bytesVerified).toBe(4 * 131072)
            expect(report.errorDetails[0]?.offset).toBe(131072)
          }).pipe(Effect.scoped, Effect.provide(nodeLive)),
        60_000
      )
    }
  }
})
