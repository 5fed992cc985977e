/**
 * The flood against deliberately faulty echo servers (adapters/node/faulty):
 * each fault must fail the flood with the right error kind, promptly.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { repoRoot } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import { nodeLive, parseReport, runCli } from "./Harness.ts"

const cases = [
  ["flip", "corrupted"],
  ["drop", "missing-bytes"],
  ["add", "extra-bytes"],
  ["truncate", "truncated"],
  ["stall", "stalled"],
  ["reset", "reset"]
] as const

describe("flood against faulty servers", () => {
  for (const [fault, kind] of cases) {
    it.live(
      `${fault} → ${kind}`,
      () =>
        Effect.gen(function* () {
          const server = yield* startServer({
            name: `faulty ${fault}`,
            argv: ["node", "--import", "tsx", `${repoRoot}/adapters/node/faulty/FaultyEchoServer.ts`, "--fault", fault],
            readyTimeout: "30 seconds"
          })
          const started = Date.now()
          const run = yield* runCli("node", [
            "flood",
            "--port",
            String(server.port),
            "--connections",
            "4",
            "--bytes",
            "131072",
            "--stall-timeout",
            "1",
            "--timeout",
            "20",
            "--json"
          ])
          expect(run.exitCode).toBe(1)
          const report = parseReport(run.stdout)
          expect(report.ok).toBe(false)
          expect(report.errors).toEqual({ [kind]: 4 })
          expect(report.errorDetails[0]?.kind).toBe(kind)
          // Stalls are cut at the stall timeout, never at the overall timeout.
          expect(Date.now() - started).toBeLessThan(15_000)
        }).pipe(Effect.scoped, Effect.provide(nodeLive)),
      60_000
    )
  }
})
