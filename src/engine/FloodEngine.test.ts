import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { echoHandlers, makeEchoStats } from "../protocol/EchoHandler.ts"
import { type MemoryServer, memoryTransportLayer } from "../transport/MemoryTransport.ts"
import type { Socket, SocketHandlers } from "../transport/Transport.ts"
import { runFlood } from "./FloodEngine.ts"
import { defaultFloodOptions, type FloodOptions, validateFloodOptions } from "./FloodOptions.ts"

const options = (overrides: Partial<FloodOptions> = {}): FloodOptions => ({
  ...defaultFloodOptions,
  port: 1,
  connections: 8,
  bytesPerConnection: 100_000,
  chunk: 8192,
  window: 8192,
  stallTimeoutSeconds: 0.3,
  ...overrides
})

const flood = (server: MemoryServer | undefined, overrides: Partial<FloodOptions> = {}) =>
  runFlood(options(overrides)).pipe(Effect.provide(memoryTransportLayer(server)))

const echo: MemoryServer = (socket) => echoHandlers(socket, makeEchoStats())

/** An echo server that applies `fault` to the stream of connection 0 once it has seen `at` bytes. */
const faulty =
  (
    fault: (bytes: Uint8Array, socket: Socket, reset: () => void) => Uint8Array | undefined,
    at = 20_000
  ): MemoryServer =>
  (socket, reset) => {
    let seen = 0
    let done = false
    const inner: SocketHandlers = echoHandlers(socket, makeEchoStats())
    return {
      ...inner,
      onData: (bytes) => {
        seen += bytes.length
        if (!done && seen >= at) {
          done = true
          const changed = fault(bytes, socket, reset)
          if (changed !== undefined) inner.onData(changed)
          return
        }
        inner.onData(bytes)
      }
    }
  }

describe("FloodEngine", () => {
  it.live("holds payload until a common start time, past the stall timeout, and says when it was connected", () =>
    Effect.gen(function* () {
      const startAtMs = Date.now() + 600
      const report = yield* flood(echo, { barrier: true, startAtMs })
      expect(report.ok).toBe(true)
      expect(report.startAt?.atMs).toBe(startAtMs)
      expect(report.startAt?.connectedAtMs).toBeLessThan(startAtMs)
      // Nothing moved before the start, and waiting (0.6 s) was not taken for a stall (0.3 s).
      expect(report.seconds - report.bulkSeconds).toBeGreaterThanOrEqual(0.5)
      expect(report.errors).toEqual({})
    })
  )

  it.effect("verifies every byte of every connection", () =>
    Effect.gen(function* () {
      const report = yield* flood(echo, { barrier: true, window: 16384 })
      expect(report.ok).toBe(true)
      expect(report.bytesVerified).toBe(8 * 100_000)
      expect(report.connectionsCompleted).toBe(8)
      // 100000 bytes in 8 KiB chunks is 13 chunks per connection, each a round trip.
      expect(report.latency.count).toBe(8 * 13)
      expect(report.errors).toEqual({})
    })
  )

  it.effect("reports refused connections", () =>
    Effect.gen(function* () {
      const report = yield* flood(undefined)
      expect(report.ok).toBe(false)
      expect(report.errors).toEqual({ refused: 8 })
    })
  )

  const faults: Array<[string, MemoryServer, string]> = [
    [
      "flips a bit",
      faulty((b) => {
        const c = b.slice()
        c[3] ^= 1
        return c
      }),
      "corrupted"
    ],
    ["drops a byte", faulty((b) => new Uint8Array([...b.subarray(0, 10), ...b.subarray(11)])), "missing-bytes"],
    ["adds a byte", faulty((b) => new Uint8Array([...b.subarray(0, 10), 7, ...b.subarray(10)])), "extra-bytes"],
    [
      "truncates",
      faulty((_b, socket) => {
        socket.end()
        return undefined
      }),
      "truncated"
    ],
    ["stalls", faulty(() => undefined), "stalled"],
    [
      "resets",
      faulty((_b, _s, reset) => {
        reset()
        return undefined
      }),
      "reset"
    ]
  ]
  for (const [name, server, kind] of faults) {
    it.effect(`fails with ${kind} when the server ${name}`, () =>
      Effect.gen(function* () {
        const report = yield* flood(server)
        expect(report.ok).toBe(false)
        expect(Object.keys(report.errors)).toEqual([kind])
        expect(report.errorDetails[0]!.kind).toBe(kind)
      })
    )
  }

  /** Echoes correctly, then sends one more byte: `late` ms after the last echo, or when the client half-closes. */
  const lateByte =
    (when: "idle" | "half-close"): MemoryServer =>
    (socket) => {
      const inner = echoHandlers(socket, makeEchoStats())
      let timer: ReturnType<typeof setTimeout> | undefined
      return {
        ...inner,
        onData: (bytes) => {
          inner.onData(bytes)
          if (when !== "idle") return
          if (timer !== undefined) clearTimeout(timer)
          timer = setTimeout(() => socket.write(new Uint8Array([42])), 20)
        },
        onEnd: () => {
          if (when === "half-close") socket.write(new Uint8Array([42]))
          // The idle case: keep the side open until the late byte is out.
          setTimeout(() => socket.end(), when === "idle" ? 40 : 0)
        }
      }
    }

  for (const when of ["idle", "half-close"] as const) {
    it.live(`fails with excess when the server sends a byte after the echo (${when})`, () =>
      Effect.gen(function* () {
        const report = yield* flood(lateByte(when), { connections: 3 })
        expect(report.ok).toBe(false)
        expect(report.errors).toEqual({ excess: 3 })
        expect(report.connectionsCompleted).toBe(0)
        expect(report.errorDetails[0]!.offset).toBe(100_000)
        expect(report.errorDetails[0]!.message).toMatch(/beyond the 100000 sent, before the server's EOF/)
      })
    )
  }

  it.effect("fails with excess when the extra byte comes in the same read as the last expected ones", () =>
    Effect.gen(function* () {
      const server = faulty((b) => new Uint8Array([...b, 9]), 100_000)
      const report = yield* flood(server, { connections: 1 })
      expect(report.errors).toEqual({ excess: 1 })
    })
  )

  it.effect("waits for the server's EOF and reports the wait apart", () =>
    Effect.gen(function* () {
      const report = yield* flood(echo)
      expect(report.ok).toBe(true)
      expect(report.closeSeconds).toBeGreaterThanOrEqual(0)
      expect(report.completion.max).toBeLessThanOrEqual(report.seconds)
    })
  )

  it.live("fails as stalled when the server never closes after the client's half-close", () =>
    Effect.gen(function* () {
      const neverCloses: MemoryServer = (socket) => ({ ...echoHandlers(socket, makeEchoStats()), onEnd: () => {} })
      const report = yield* flood(neverCloses, { connections: 2 })
      expect(report.errors).toEqual({ stalled: 2 })
      expect(report.errorDetails[0]!.message).toMatch(/no EOF from the server/)
    })
  )

  it.effect("rejects bad options before any traffic", () =>
    Effect.gen(function* () {
      const bad = (o: Partial<FloodOptions>) =>
        Effect.flip(validateFloodOptions(options(o))).pipe(Effect.map((e) => e.message))
      expect(yield* bad({ connections: 0 })).toMatch(/--connections 0: must be a whole number above 0/)
      expect(yield* bad({ connections: -3 })).toMatch(/--connections -3/)
      expect(yield* bad({ chunk: 0 })).toMatch(/--chunk 0/)
      expect(yield* bad({ window: 100 })).toMatch(/smaller than the chunk/)
      expect(yield* bad({ port: 70000 })).toMatch(/--port 70000: must be a whole number from 1 to 65535/)
      expect(yield* bad({ bytesPerConnection: 1.5 })).toMatch(/--bytes 1.5/)
    })
  )
})
