/**
 * The saturation engine and the probe over the in-memory transport. The
 * test servers echo on a macrotask (setTimeout 0), as a kernel would: a
 * never-ending echo over microtasks alone would starve every timer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type MemoryServer, memoryTransportLayer } from "../transport/MemoryTransport.ts"
import type { SocketHandlers } from "../transport/Transport.ts"
import { makeProbe } from "./ClientDelayProbe.ts"
import { startSaturation } from "./SaturationEngine.ts"
import type { ProbeOptions, SaturationClientOptions } from "./SaturationReports.ts"

const clientOptions = (overrides: Partial<SaturationClientOptions> = {}): SaturationClientOptions => ({
  host: "127.0.0.1",
  port: 1,
  connections: 16,
  chunk: 4096,
  window: 4096,
  connectConcurrency: 4,
  connectTimeoutSeconds: 1,
  rampTimeoutSeconds: 5,
  starvedAfterSeconds: 0.2,
  deadlineSeconds: 30,
  noDelay: true,
  sendDuringRamp: false,
  ...overrides
})

/** Echoes on a later macrotask; `fault(seen, bytes)` may swallow or change a chunk. */
const server =
  (fault: (seen: number, bytes: Uint8Array) => Uint8Array | undefined = (_seen, bytes) => bytes): MemoryServer =>
  (socket) => {
    let seen = 0
    const handlers: SocketHandlers = {
      onData: (bytes) => {
        const copy = bytes.slice()
        seen += copy.length
        const out = fault(seen, copy)
        if (out !== undefined) setTimeout(() => socket.write(out), 0)
      },
      onDrain: () => {},
      onEnd: () => socket.end(),
      onError: () => {},
      onClose: () => {}
    }
    return handlers
  }

const saturate = (memory: MemoryServer, steadyMillis: number, overrides: Partial<SaturationClientOptions> = {}) =>
  Effect.gen(function* () {
    const handle = yield* startSaturation(clientOptions(overrides))
    const ramp = yield* handle.ramped
    yield* handle.startSteady
    yield* Effect.sleep(`${steadyMillis} millis`)
    const report = yield* handle.stop
    return { ramp, report }
  }).pipe(Effect.scoped, Effect.provide(memoryTransportLayer(memory)))

describe("SaturationEngine", () => {
  it.live("sends without end, verifies, and counts ramp and steady state apart", () =>
    Effect.gen(function* () {
      const { ramp, report } = yield* saturate(server(), 400)
      expect(ramp).toMatchObject({ connected: 16, failed: 0, pending: 0, complete: true })
      expect(report.steady.bytesVerified).toBeGreaterThan(16 * 4096)
      expect(report.steady.bytesVerified % 4096).toBe(0)
      expect(report.errors).toEqual({})
      expect(report.fairness.connections).toBe(16)
      expect(report.fairness.minBytesPerSecond).toBeGreaterThan(0)
      expect(report.fairness.starved).toBe(0)
      expect(report.fairness.neverProgressed).toBe(0)
    })
  )

  it.live("keeps going past the pattern period (offsets wrap)", () =>
    Effect.gen(function* () {
      // One connection, 512 KiB in flight: several MiB pass the 1 MiB period within the steady state.
      const { report } = yield* saturate(server(), 500, { connections: 1, chunk: 512 * 1024, window: 512 * 1024 })
      expect(report.errors).toEqual({})
      expect(report.steady.bytesVerified).toBeGreaterThan(2 * 1_048_573)
    })
  )

  it.live("records a corrupted echo instead of hiding it", () =>
    Effect.gen(function* () {
      const flip = server((seen, bytes) => {
        if (seen > 20_000 && seen - bytes.length <= 20_000) bytes[0] = bytes[0]! ^ 1
        return bytes
      })
      const { report } = yield* saturate(flip, 300)
      expect(report.errors).toEqual({ corrupted: 16 })
      expect(report.errorDetails[0]?.kind).toBe("corrupted")
    })
  )

  it.live("ends the ramp only once the server has echoed on every connection (a busy server's accept queue)", () =>
    Effect.gen(function* () {
      // Every other connection is left unserved for 400 ms after it opens, as a connection still waiting in a
      // busy server's accept queue: its connect completed, but nothing comes back yet.
      let accepted = 0
      const queued: MemoryServer = (socket, reset) => {
        const heldUntil = accepted++ % 2 === 1 ? Date.now() + 400 : 0
        const echo = server()(socket, reset)
        return {
          ...echo,
          onData: (bytes) => {
            const copy = bytes.slice()
            setTimeout(() => echo.onData(copy), Math.max(0, heldUntil - Date.now()))
          }
        }
      }
      const { ramp, report } = yield* saturate(queued, 200)
      expect(ramp).toMatchObject({ connected: 16, pending: 0, complete: true })
      expect(ramp.seconds).toBeGreaterThan(0.35)
      expect(report.fairness.neverProgressed).toBe(0)
      expect(report.fairness.starved).toBe(0)
    })
  )

  it.live(
    "ends the ramp, incomplete, once no connection has been served for 5 s (a server that echoes nothing)",
    () =>
      Effect.gen(function* () {
        const { ramp } = yield* saturate(
          server(() => undefined),
          100,
          { rampTimeoutSeconds: 30 }
        )
        expect(ramp).toMatchObject({ connected: 16, pending: 0, complete: false })
        expect(ramp.seconds).toBeGreaterThan(4.5)
        expect(ramp.seconds).toBeLessThan(10)
      }),
    15_000
  )

  it.live("reports starved connections when the server stops echoing", () =>
    Effect.gen(function* () {
      const stall = server((seen, bytes) => (seen <= 8192 ? bytes : undefined))
      const { report } = yield* saturate(stall, 500)
      // The first two chunks of each connection may come back just after the steady state began.
      expect(report.steady.bytesVerified).toBeLessThanOrEqual(16 * 8192)
      expect(report.fairness.starved).toBe(16)
      expect(report.fairness.starvedShare).toBe(1)
      expect(report.fairness.maxLongestGapSeconds).toBeGreaterThan(0.4)
    })
  )
})

const probeOptions = (overrides: Partial<ProbeOptions> = {}): ProbeOptions => ({
  host: "127.0.0.1",
  port: 1,
  intervalMs: 20,
  timeoutMs: 200,
  maxOutstanding: 4,
  bytes: 32 * 1024,
  deadlineSeconds: 30,
  ...overrides
})

const probe = (memory: MemoryServer, millis: number, overrides: Partial<ProbeOptions> = {}) =>
  Effect.gen(function* () {
    const handle = yield* makeProbe(probeOptions(overrides))
    yield* handle.start
    yield* Effect.sleep(`${millis} millis`)
    return yield* handle.stop
  }).pipe(Effect.scoped, Effect.provide(memoryTransportLayer(memory)))

describe("ClientDelayProbe", () => {
  it.live("probes on schedule and records connect and round trip", () =>
    Effect.gen(function* () {
      const report = yield* probe(server(), 300)
      expect(report.scheduled).toBeGreaterThanOrEqual(10)
      expect(report.completed).toBe(report.scheduled)
      expect(report.timedOut + report.failed + report.skipped).toBe(0)
      expect(report.roundTrip.count).toBe(report.completed)
      expect(report.roundTrip.p50).toBeGreaterThan(0)
      expect(report.connect.max).toBeLessThanOrEqual(report.roundTrip.max)
    })
  )

  it.live("keeps its open-loop schedule against a stalled server: timeouts and skips, bounded", () =>
    Effect.gen(function* () {
      const started = Date.now()
      const report = yield* probe(
        server(() => undefined),
        300
      )
      // 300 ms at 20 ms is about 15 slots; 4 may wait at once, each for 200 ms.
      expect(report.scheduled).toBeGreaterThanOrEqual(10)
      expect(report.completed).toBe(0)
      expect(report.timedOut).toBeGreaterThan(0)
      expect(report.skipped).toBeGreaterThan(0)
      expect(report.timedOut + report.skipped).toBe(report.scheduled)
      // A timed-out probe counts as the timeout: the percentiles cannot look better than the server was.
      expect(report.roundTrip.p50).toBeCloseTo(200, -1)
      expect(Date.now() - started).toBeLessThan(2000)
    })
  )
})
