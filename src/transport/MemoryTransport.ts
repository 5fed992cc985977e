/**
 * An in-memory transport for unit tests of the protocol core: a connect
 * makes a socket pair whose writes are delivered to the peer on a later
 * microtask, and the server side runs whatever handlers the test installs
 * (the real echo handler, or a faulty one).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Socket, SocketHandlers } from "./Transport.ts"
import { Transport } from "./Transport.ts"
import { ConnectionRefused, ConnectionReset } from "./TransportError.ts"

class MemorySocket implements Socket {
  peer: MemorySocket | undefined
  handlers: SocketHandlers | undefined
  paused = false
  closed = false
  private readonly inbox: Array<Uint8Array | "end"> = []

  write = (bytes: Uint8Array) => {
    const peer = this.peer
    if (this.closed || peer === undefined || peer.closed) return true
    // Copy: the writer may reuse its buffer, as a real kernel would have copied it.
    peer.deliver(bytes.slice())
    return true
  }
  pause = () => {
    this.paused = true
  }
  resume = () => {
    this.paused = false
    this.flush()
  }
  end = () => {
    this.peer?.deliver("end")
  }
  destroy = () => this.close()
  setNoDelay = () => {}

  /** Ends both sides as a reset would. */
  reset() {
    const peer = this.peer
    this.close()
    if (peer !== undefined && !peer.closed) {
      peer.handlers?.onError(new ConnectionReset({ address: "memory" }))
      peer.close()
    }
  }

  deliver(item: Uint8Array | "end") {
    this.inbox.push(item)
    queueMicrotask(() => this.flush())
  }

  private flush() {
    while (!this.paused && !this.closed && this.inbox.length > 0) {
      const item = this.inbox.shift()!
      if (item === "end") this.handlers?.onEnd()
      else this.handlers?.onData(item)
    }
  }

  close() {
    if (this.closed) return
    this.closed = true
    queueMicrotask(() => this.handlers?.onClose())
    const peer = this.peer
    if (peer !== undefined && !peer.closed) queueMicrotask(() => peer.close())
  }
}

/** Server behaviour for the memory transport: handlers for each accepted socket, with a way to reset it. */
export type MemoryServer = (socket: Socket, reset: () => void) => SocketHandlers

/** `a` against `b[start, start + a.length)`, byte by byte. */
const equalFrom = (a: Uint8Array, b: Uint8Array, start: number): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false
  return true
}

export const memoryTransport = (server: MemoryServer | undefined): Transport["Type"] => ({
  runtime: { name: "node", version: "memory" },
  listen: () => Effect.die("the memory transport only connects"),
  connect: (options, done) => {
    if (server === undefined) {
      queueMicrotask(() => done(new ConnectionRefused({ address: `${options.host}:${options.port}` }), undefined))
      return
    }
    const client = new MemorySocket()
    const accepted = new MemorySocket()
    client.peer = accepted
    accepted.peer = client
    accepted.handlers = server(accepted, () => accepted.reset())
    client.handlers = options.handlers(client)
    queueMicrotask(() => done(undefined, client))
  },
  equalBytes: (a, b) => a.length === b.length && equalFrom(a, b, 0),
  equalRange: equalFrom
})

export const memoryTransportLayer = (server: MemoryServer | undefined) =>
  Layer.succeed(Transport, memoryTransport(server))
