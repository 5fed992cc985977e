/**
 * `serve` and `flood` on every pair of (client runtime × server runtime),
 * over real loopback sockets, with every byte verified.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { nodeLive } from "../testing/Live.ts"
import { runtimeNames } from "../transport/Transport.ts"
import { parseReport, runCli, startEchoServer, stderrBeyondBusyWarning } from "./Harness.ts"

describe("serve × flood on every runtime pair", () => {
  for (const server of runtimeNames) {
    for (const client of runtimeNames) {
      it.live(
        `${client} client → ${server} server`,
        () =>
          Effect.gen(function* () {
            const echo = yield* startEchoServer(server)
            const run = yield* runCli(client, [
              "flood",
              "--port",
              String(echo.port),
              "--connections",
              "50",
              "--bytes",
              "262144",
              "--barrier",
              "--json"
            ])
            expect(stderrBeyondBusyWarning(run.stderr)).toBe("")
            expect(run.exitCode).toBe(0)
            const report = parseReport(run.stdout)
            expect(report).toMatchObject({ ok: true, runtime: client, connections: 50, connectionsCompleted: 50 })
            expect(report.bytesVerified).toBe(50 * 262144)
            expect(report.latency.count).toBe(50 * 8)
            expect(echo.child.output()).toContain(`echoflood serve: ${server} `)
          }).pipe(Effect.scoped, Effect.provide(nodeLive)),
        90_000
      )
    }
  }
})
