/**
 * Saturation with several processes per side, at small scale: the C epoll
 * server as 2 processes sharing its port, the native client as 2 processes
 * started together. The result must read as one run: one ramp over both
 * clients, one per-second series, one merged client report, and the server
 * side's figures summed over both of its processes.
 */
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { checkAvailable, discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { liveTestsOn, nodeLiveWithSockets } from "../testing/Live.ts"
import { skipMissing } from "../testing/SkipMissing.ts"
import { saturationRunOptions } from "./SaturationOptions.ts"
import { SaturationResult } from "./SaturationResult.ts"
import { saturateTarget } from "./SaturationTarget.ts"

const liveTest = liveTestsOn(nodeLiveWithSockets)

describe("saturate with several processes per side", () => {
  liveTest(
    "c-epoll as 2 server processes under 2 native client processes: merged ramp, series and report; server figures summed",
    function* (ctx) {
      // Checking c-epoll builds the native client (build/c-epoll/flood) too.
      const built = yield* selectTargets(yield* discoverTargets(), ["c-epoll"]).pipe(
        Effect.tap(([target]) => checkAvailable(target!)),
        Effect.either
      )
      if (Either.isLeft(built)) return yield* skipMissing(ctx, `no native client: ${built.left.message}`)
      const result = yield* saturateTarget(
        built.right[0]!,
        saturationRunOptions(200, "native", {
          probe: "node",
          durationSeconds: 3,
          warmupSeconds: 1,
          rampTimeoutSeconds: 20,
          serverProcesses: 2,
          clientProcesses: 2
        })
      )
      Schema.decodeUnknownSync(SaturationResult)(JSON.parse(JSON.stringify(result)))
      expect(result.status, result.reason).toBe("ok")
      expect(result.processes?.server).toBe(2)
      expect(new Set(result.processes?.serverPids).size).toBe(2)
      expect(result.processes?.client).toBe(2)
      expect(result.processes?.clientConnections).toEqual([100, 100])
      // One report for both clients: their connections, ramp and fairness add up to the whole.
      expect(result.client?.connections).toBe(200)
      expect(result.client?.ramp.connected).toBe(200)
      expect(result.client?.ramp.complete).toBe(true)
      expect(result.client?.fairness.connections).toBe(200)
      expect(result.client?.fairness.neverProgressed).toBe(0)
      expect(result.client?.errors).toEqual({})
      expect(result.samples.length).toBe(3)
      for (const sample of result.samples) {
        expect(sample.connectionsOpen).toBe(200)
        expect(sample.mbPerSecond).toBeGreaterThan(0)
        expect(sample.serverProcessCpu).toBeGreaterThan(0)
        expect(sample.clientBound).toBe(sample.clientCore!.busy >= sample.serverCore!.busy)
      }
      // The per-second series sums both clients' ticks: over the steady state it matches their own byte counts.
      const seriesBytes = result.samples.reduce((sum, s, i) => {
        const previous = i === 0 ? 0 : result.samples[i - 1]!.second
        return sum + s.mbPerSecond * 1e6 * (s.second - previous)
      }, 0)
      expect(seriesBytes / result.client!.steady.bytesVerified).toBeGreaterThan(0.8)
      expect(seriesBytes / result.client!.steady.bytesVerified).toBeLessThan(1.25)
      // c-epoll is one thread per process: the server side's threads are summed over its 2 processes.
      expect(result.serverThreads).toBe(2)
      expect(result.probe?.completed).toBeGreaterThan(0)
    },
    90_000
  )
})
