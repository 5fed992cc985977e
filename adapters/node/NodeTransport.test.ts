/**
 * Node's reads and writes at the TCP handle, on real loopback sockets: a
 * peer that stops reading makes the kernel take only part of each write, so
 * libuv keeps the rest and the adapter must hold the bytes, signal drain,
 * order `end()` after them and report failures, with every byte checked;
 * EOF still reaches the owner through node:net.
 */
import * as net from "node:net"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { echoHandlers, makeEchoStats } from "../../src/protocol/EchoHandler.ts"
import { expectedView } from "../../src/protocol/PayloadPattern.ts"
import type { Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import type { TransportError } from "../../src/transport/TransportError.ts"
import { equalRange } from "../NativeCompare.ts"
import { asyncHandleWriteCount, make } from "./NodeTransport.ts"

const CHUNK = 64 * 1024
/** Well above what loopback's socket buffers hold on both sides, so writes must wait. */
const TOTAL = 24 * 1024 * 1024
const STALL_MS = 300

/** The Node versions known to have the `stream_wrap` binding the handle path needs. */
const handleExpected = ["20", "22", "24"].includes(process.versions.node.split(".")[0]!)

/** Runs `body` against a listener of this adapter on a free loopback port. */
const withServer = <A>(onAccept: (socket: Socket) => SocketHandlers, body: (port: number) => Promise<A>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const listening = yield* make.listen({ host: "127.0.0.1", port: 0, backlog: 64, onAccept })
        const result = yield* Effect.promise(() => body(listening.address.port))
        return { listening, result }
      })
    )
  )

const connect = (port: number, handlers: (socket: Socket) => SocketHandlers) =>
  new Promise<Socket>((resolve, reject) =>
    make.connect({ host: "127.0.0.1", port, timeoutMs: 5000, noDelay: false, handlers }, (error, socket) =>
      error === undefined ? resolve(socket!) : reject(error)
    )
  )

/** The name of the `onread` on a socket's handle: node:net's `onStreamRead`, or this adapter's `onHandleRead`. */
const handleOnreadOf = (socket: Socket): string | undefined =>
  (socket as unknown as { handle: { onread?: { name: string } } | null }).handle?.onread?.name

interface Outcome {
  onread: string | undefined
  received: number
  firstWrongAt: number | undefined
  endedAfter: number | undefined
  closed: boolean
}

/**
 * Sends TOTAL pattern bytes (waiting for drain whenever `write` says so),
 * reading nothing for the first STALL_MS, then checks every echoed byte in order.
 */
const stalledFlood = (port: number) =>
  new Promise<Outcome>((resolve, reject) => {
    const outcome: Outcome = {
      onread: undefined,
      received: 0,
      firstWrongAt: undefined,
      endedAfter: undefined,
      closed: false
    }
    let sent = 0
    let socket: Socket
    const pump = () => {
      while (sent < TOTAL) {
        const view = expectedView(0, sent, Math.min(CHUNK, TOTAL - sent))
        sent += view.length
        if (!socket.write(view)) return
      }
      socket.end()
    }
    connect(port, (s) => {
      socket = s
      return {
        onData: (bytes) => {
          if (
            outcome.firstWrongAt === undefined &&
            !equalRange(bytes, expectedView(0, outcome.received, bytes.length), 0)
          )
            outcome.firstWrongAt = outcome.received
          outcome.received += bytes.length
        },
        onDrain: pump,
        onEnd: () => {
          outcome.endedAfter = outcome.received
        },
        onError: reject,
        onClose: () => {
          outcome.closed = true
          resolve(outcome)
        }
      }
    }).then((s) => {
      outcome.onread = handleOnreadOf(s)
      s.pause()
      setTimeout(() => s.resume(), STALL_MS)
      pump()
    }, reject)
  })

describe("NodeTransport reads and writes at the TCP handle", () => {
  it.skipIf(!handleExpected)("says so in the listener and the runtime info", async () => {
    const { listening } = await withServer(
      () => ({ onData() {}, onDrain() {}, onEnd() {}, onError() {}, onClose() {} }),
      async () => undefined
    )
    expect(listening.writePath).toBe("TCP handle writeBuffer")
    expect(make.runtime.writePath).toBe("TCP handle writeBuffer")
    expect(listening.readPath).toBe("accepted TCP handles without net.Socket (onread into the shared buffer)")
    expect(make.runtime.readPath).toBe("TCP handle onread (shared buffer)")
  })

  it("echoes a flood whose peer stops reading: partial writes, drain, end after them, every byte in order", async () => {
    const before = asyncHandleWriteCount()
    const stats = makeEchoStats()
    let serverOnread: string | undefined
    const { result } = await withServer((socket) => {
      serverOnread = handleOnreadOf(socket)
      return echoHandlers(socket, stats)
    }, stalledFlood)
    expect(serverOnread).toBe(result.onread)
    expect(result).toEqual({
      onread: handleExpected ? "onHandleRead" : "onStreamRead",
      received: TOTAL,
      firstWrongAt: undefined,
      endedAfter: TOTAL,
      closed: true
    })
    expect(stats.bytesEchoed).toBe(TOTAL)
    expect(stats.errors).toBe(0)
    // Both sides had writes the kernel could not take at once (client and server run in this process).
    if (handleExpected) expect(asyncHandleWriteCount() - before).toBeGreaterThan(10)
  }, 30_000)

  it("reports a write the peer reset as ConnectionReset, then closes", async () => {
    const errors: Array<TransportError> = []
    let closed!: () => void
    const closedAfterError = new Promise<void>((resolve) => {
      closed = resolve
    })
    const chunk = expectedView(1, 0, CHUNK)
    // A firehose that does not read (so the reset reaches it through the write): writes until the kernel
    // pushes back, and again on every drain. Bounded, because writes to a destroyed socket return true.
    const firehose = (socket: Socket): SocketHandlers => {
      socket.pause()
      const pump = () => {
        for (let i = 0; i < 1000 && socket.write(chunk); i++) {}
      }
      setImmediate(pump)
      return { onData() {}, onDrain: pump, onEnd() {}, onError: (e) => errors.push(e), onClose: () => closed() }
    }
    await withServer(firehose, async (port) => {
      const peer = net.connect({ host: "127.0.0.1", port })
      peer.pause()
      await new Promise((resolve) => setTimeout(resolve, STALL_MS))
      // RST: the server's queued remainder fails in libuv, after `writeBuffer` had returned.
      peer.resetAndDestroy()
      await closedAfterError
    })
    expect(errors.map((e) => e._tag)).toEqual(["ConnectionReset"])
    expect(String((errors[0] as { cause?: unknown }).cause)).toMatch(/write (ECONNRESET|EPIPE)/)
  }, 30_000)
})
