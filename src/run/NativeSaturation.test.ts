/**
 * Saturation driven by the native C client (`flood --duration --worker`):
 * our Node server under a few hundred connections, the probe in its own
 * Node process. The C client speaks the same worker protocol as the TS one,
 * so the result has the same shape, every second carries its client-bound
 * flag, and the whole result round-trips through run.json's schema.
 */
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { SaturationClientReport } from "../engine/SaturationReports.ts"
import { echoHandlers, makeEchoStats } from "../protocol/EchoHandler.ts"
import { runToCompletion } from "../system/ChildProcess.ts"
import { checkAvailable, discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { liveTestsOn, nodeLiveWithSockets } from "../testing/Live.ts"
import { skipMissing } from "../testing/SkipMissing.ts"
import { Transport } from "../transport/Transport.ts"
import { nativeClientPath } from "./NativeClient.ts"
import { saturationRunOptions } from "./SaturationOptions.ts"
import { SaturationResult } from "./SaturationResult.ts"
import { saturateTarget } from "./SaturationTarget.ts"

const liveTest = liveTestsOn(nodeLiveWithSockets)

describe("saturate with the native client", () => {
  liveTest(
    "our Node server under 300 native connections: verified echo, fairness, probe, a client-bound flag each second",
    function* (ctx) {
      const [cEpoll, node] = yield* selectTargets(yield* discoverTargets(), ["c-epoll", "node"])
      // Checking c-epoll builds build/c-epoll/flood too; without a C compiler there is no native client.
      const built = yield* Effect.either(checkAvailable(cEpoll!))
      if (Either.isLeft(built)) return yield* skipMissing(ctx, `no native client: ${built.left.message}`)
      const result = yield* saturateTarget(
        node!,
        saturationRunOptions(300, "native", { probe: "node", durationSeconds: 3, rampTimeoutSeconds: 20 })
      )
      Schema.decodeUnknownSync(SaturationResult)(JSON.parse(JSON.stringify(result)))
      expect(result.status, result.reason).toBe("ok")
      expect(result.settings.client).toBe("native")
      expect(result.settings.probe).toBe("node")
      expect(result.client?.runtime).toBe("native")
      expect(result.client?.ramp.connected).toBe(300)
      expect(result.client?.errors).toEqual({})
      expect(result.client?.steady.bytesVerified).toBeGreaterThan(0)
      expect(result.client?.fairness.connections).toBe(300)
      expect((result.client?.cpuUserSeconds ?? 0) + (result.client?.cpuSystemSeconds ?? 0)).toBeGreaterThan(0)
      expect(result.samples.length).toBe(3)
      expect(result.steady.mbPerSecond.mean).toBeGreaterThan(0)
      for (const sample of result.samples) {
        expect(sample.clientBound).toBe(sample.clientCore!.busy >= sample.serverCore!.busy)
      }
      expect(result.steady.clientBoundSeconds).toBe(result.samples.filter((s) => s.clientBound).length)
      expect(result.probe?.runtime).toBe("node")
      expect(result.probe?.completed).toBeGreaterThan(0)
    },
    90_000
  )

  liveTest(
    "ends its ramp only once the server has echoed on every connection (connections left in a busy server's accept queue)",
    function* (ctx) {
      const [cEpoll] = yield* selectTargets(yield* discoverTargets(), ["c-epoll"])
      const built = yield* Effect.either(checkAvailable(cEpoll!))
      if (Either.isLeft(built)) return yield* skipMissing(ctx, `no native client: ${built.left.message}`)
      // Every other accepted connection stays unread for 1 s: to the client it looks like one still queued
      // behind a busy server's accept loop (its connect completed, nothing comes back yet).
      const transport = yield* Transport
      const stats = makeEchoStats()
      let accepted = 0
      const listening = yield* transport.listen({
        host: "127.0.0.1",
        port: 0,
        backlog: 511,
        onAccept: (socket) => {
          if (accepted++ % 2 === 1) {
            socket.pause()
            setTimeout(() => socket.resume(), 1000)
          }
          return echoHandlers(socket, stats)
        }
      })
      const argv = [nativeClientPath, "--port", String(listening.address.port), "--connections", "40"]
      const run = yield* runToCompletion(
        { name: "native flood client", argv: [...argv, "--duration", "0.5", "--json"] },
        30,
        "30 s"
      )
      const report = Schema.decodeUnknownSync(Schema.parseJson(SaturationClientReport))(run.stdout.trim())
      expect(report.ramp).toMatchObject({ connected: 40, pending: 0, complete: true })
      expect(report.ramp.seconds).toBeGreaterThan(0.9)
      expect(report.errors).toEqual({})
      expect(report.fairness.neverProgressed).toBe(0)
      expect(report.fairness.starved).toBe(0)
    },
    60_000
  )
})
