/**
 * Saturation over real loopback processes: a real target launched pinned,
 * the saturating client and the probe as worker processes, /proc sampled by
 * this process. Short (3 s, a few hundred connections) so they finish
 * quickly; a deliberately stalling server must be reported as stalled and
 * the run must still end on time.
 */
import * as PlatformCommand from "@effect/platform/Command"
import { describe, expect } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { startFaultyServer } from "../testing/FaultyServer.ts"
import { liveTestsOn, nodeLiveWithSockets } from "../testing/Live.ts"
import { saturationRunOptions } from "./SaturationOptions.ts"
import { SaturationResult } from "./SaturationResult.ts"
import { saturateServer } from "./SaturationRun.ts"
import { saturateTarget } from "./SaturationTarget.ts"

const liveTest = liveTestsOn(nodeLiveWithSockets)

describe("saturate", () => {
  liveTest(
    "c-epoll under 300 saturating connections: sane figures, no verification error",
    function* () {
      const [target] = yield* selectTargets(yield* discoverTargets(), ["c-epoll"])
      const result = yield* saturateTarget(
        target!,
        saturationRunOptions(300, "node", { durationSeconds: 3, rampTimeoutSeconds: 20 })
      )
      // The result is what run.json keeps: it must round-trip through its schema.
      Schema.decodeUnknownSync(SaturationResult)(JSON.parse(JSON.stringify(result)))
      expect(result.status).toBe("ok")
      expect(result.samples.length).toBe(3)
      expect(result.steady.seconds).toBeGreaterThan(2.5)
      expect(result.steady.seconds).toBeLessThan(4)
      expect(result.steady.mbPerSecond.mean).toBeGreaterThan(0)
      expect(result.steady.serverCore?.busy.mean).toBeGreaterThan(0)
      expect(result.steady.clientCore?.busy.mean).toBeGreaterThan(0)
      expect(result.steady.contextSwitchesPerSecond.mean).toBeGreaterThan(0)
      expect(result.steady.serverRssBytes?.mean).toBeGreaterThan(0)
      expect(result.client?.ramp.connected).toBe(300)
      expect(result.client?.errors).toEqual({})
      expect(result.client?.steady.bytesVerified).toBeGreaterThan(0)
      expect(result.client?.fairness.connections).toBe(300)
      expect(result.client?.fairness.minBytesPerSecond).toBeGreaterThan(0)
      expect(result.probe?.completed).toBeGreaterThan(0)
      expect(result.probe?.roundTrip.p50).toBeGreaterThan(0)
      expect(result.probe?.failed).toBe(0)
    },
    90_000
  )

  liveTest(
    "a server that stops echoing is reported as stalled, with starved connections and probe timeouts, on time",
    function* () {
      const server = yield* startFaultyServer("stall", 20000, "0")
      const started = Date.now()
      const result = yield* saturateServer(
        "faulty-stall",
        server,
        // It echoes nothing (each connection's first 32 KiB chunk passes its 20000 bytes), so the ramp, which waits for
        // a first echo on every connection, ends incomplete once none has come for 5 s, well before its timeout.
        saturationRunOptions(200, "node", { durationSeconds: 3, rampTimeoutSeconds: 20, probeTimeoutMs: 1000 })
      )
      const elapsed = (Date.now() - started) / 1000
      expect(result.client?.ramp).toMatchObject({ connected: 200, pending: 0, complete: false })
      expect(result.status).toBe("stalled")
      expect(result.reason).toMatch(/no byte was echoed/)
      expect(result.samples.length).toBe(3)
      expect(result.steady.mbPerSecond.max).toBe(0)
      expect(result.client?.fairness.starved).toBe(200)
      expect(result.client?.fairness.starvedShare).toBe(1)
      // Every probe sends 32 KiB, past the 20000 bytes this server echoes.
      expect(result.probe?.completed).toBe(0)
      expect(result.probe?.timedOut).toBeGreaterThan(0)
      expect(result.probe?.roundTrip.p50).toBeGreaterThanOrEqual(1000)
      // Worker start-up, 3 s steady state, the probe's last timeouts, stopping: well under a minute.
      expect(elapsed).toBeLessThan(30)
    },
    90_000
  )

  liveTest(
    "a server that dies under saturation is reported as server-exited with what was measured until then",
    function* () {
      const [target] = yield* selectTargets(yield* discoverTargets(), ["c-epoll"])
      const started = Date.now()
      const server = yield* launchTarget(target!, { cpus: "0" })
      // Killed about 2 s into a 6 s steady state: the steady state starts after the warm-up line + 2 s.
      const warmup = yield* Deferred.make<void>()
      yield* Deferred.await(warmup).pipe(
        Effect.zipRight(Effect.sleep("4 seconds")),
        Effect.zipRight(PlatformCommand.make("kill", "-9", String(server.pid)).pipe(PlatformCommand.exitCode)),
        Effect.ignore,
        Effect.forkScoped
      )
      const result = yield* saturateServer(
        "c-epoll",
        server,
        saturationRunOptions(200, "node", {
          durationSeconds: 6,
          rampTimeoutSeconds: 20,
          onProgress: (line) => (line.startsWith("warm-up") ? Deferred.succeed(warmup, undefined) : Effect.void)
        })
      )
      expect(result.status).toBe("server-exited")
      expect(result.reason).toMatch(/the server was killed by SIGKILL \d+\.\d s into the steady state/)
      expect(result.server.signal).toBe("SIGKILL")
      expect(result.server.exitCode).toBeUndefined()
      expect(result.samples.length).toBeGreaterThanOrEqual(1)
      expect(result.samples.length).toBeLessThan(6)
      expect(result.steady.mbPerSecond.max).toBeGreaterThan(0)
      expect(result.client?.steady.bytesVerified).toBeGreaterThan(0)
      expect(result.probe).toBeDefined()
      expect((Date.now() - started) / 1000).toBeLessThan(45)
    },
    90_000
  )
})
