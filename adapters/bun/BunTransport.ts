/**
 * The `Transport` contract on Bun's native TCP API (`Bun.listen` / `Bun.connect`,
 * not node:net). How Bun differs from node:net, as checked on Bun 1.4.5 (docs:
 * bun.sh/docs/runtime/networking/tcp, the `Socket` / `SocketHandler` /
 * `TCPSocketListenOptions` reference pages; the rest measured with small probes):
 *
 * - Handlers are declared once per listener (or per `Bun.connect` call) and shared
 *   by every socket; per-socket state lives in `socket.data`. Here that is one
 *   `Conn` object per socket, which is also the `Socket` handed to the owner. Its
 *   methods are prototype methods: call them on the socket (`socket.write(b)`),
 *   do not detach them.
 * - Listen backlog: `Bun.listen` has no backlog option; the kernel shows 512 for
 *   every listener (`ss -ltn` Send-Q), whatever is asked, so `effectiveBacklog`
 *   is 512 (the kernel still caps it at `net.core.somaxconn` if that is lower).
 * - `socket.write(bytes, byteOffset?, byteLength?)` does not buffer: it writes
 *   what the kernel takes and returns that count (-1 once the socket is closed).
 *   The rest is copied into a per-socket queue and flushed from `drain`, and
 *   `write` returns false until the queue is empty, then `onDrain` runs once.
 *   A write the kernel takes whole allocates nothing; only a partial write copies
 *   its remainder (and bytes written while the queue is non-empty are copied,
 *   to keep their order). The flush uses the offset form of `write`, so it does
 *   not allocate subarrays.
 * - Bun calls `drain` also when nothing was pending (right after `open`, after
 *   `resume`), so `onDrain` is only called when our queue has just emptied.
 * - Reads: each `data` call gets a fresh buffer (no two chunks shared an
 *   ArrayBuffer in our probe), up to 512 KiB per read (113 152 and 524 288 byte
 *   reads seen when the peer writes fast; about 32 KiB pieces when the peer
 *   sends 32 KiB at a time). Bun documents no lifetime for it, so a queued
 *   remainder is copied rather than kept as a view. `binaryType: "uint8array"`
 *   delivers a plain Uint8Array instead of a Buffer. Once the owner's `onData`
 *   has returned, nothing may refer to that buffer (the contract, plus the copy
 *   above), so the adapter detaches it (`buffer.transfer(0)`), which frees its
 *   memory at once: under a flood JSC otherwise lets hundreds of MB of spent
 *   read buffers wait for the next collection, the longer the bigger the heap
 *   (the Effect-core server's is ~60 MB more than the raw one's). Measured at
 *   16,000 connections × 32 KiB: 1.0 instead of 1.6 KiB per connection for
 *   the raw server, and ~8% less CPU per flood.
 * - pause/resume: Bun sockets have `pause()` / `resume()` (stop / restart
 *   reading, checked: nothing is delivered while paused and the peer's writes
 *   become partial once the kernel buffers fill). Used as is.
 * - Half-close: `socket.end()` in Bun 1.4.5 closes the whole socket (its `close`
 *   fires at once and later data from the peer is lost), so `end` here flushes
 *   our queue and then calls `socket.shutdown()`, a true half-close. And with
 *   `allowHalfOpen: false` (the default) Bun closes the socket as soon as the
 *   peer's FIN arrives, dropping queued echo data, so both listen and connect
 *   pass `allowHalfOpen: true`. When we shut down first and the peer's FIN then
 *   closes the socket, Bun calls `close` without `end`; `onEnd` is then called
 *   just before `onClose`, so owners always see the EOF.
 * - Errors: a peer reset arrives as the second argument of `close`
 *   (`ECONNRESET`), not through `error`, which Bun calls when a handler throws.
 *   Failed connects go to `connectError` (code `ECONNREFUSED` …) and also reject
 *   the `Bun.connect` promise (caught here). `Bun.listen` throws synchronously
 *   with `code: "EADDRINUSE"`. All map to typed errors via `fromErrorCode`.
 *   The address in errors of accepted sockets is the listening address (as in
 *   the node:net adapter), which spares two getpeername calls per connection.
 * - `terminate()` and `listener.stop(true)` run the `close` handlers
 *   synchronously (every accepted socket is closed by `stop(true)`).
 * - Connect has no timeout option: `timeoutMs` is a timer; when it fires the
 *   caller gets `ConnectTimeout`, and a connection that completes later is
 *   terminated on `open` (a pending connect cannot be cancelled, so its fd stays
 *   until the kernel gives up on it).
 * - `setNoDelay` exists but works only on a connected socket, so it is applied
 *   in `open`.
 */
/// <reference types="bun-types" />
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import {
  type ConnectOptions,
  type Listening,
  type ListenOptions,
  type Socket,
  type SocketHandlers,
  Transport
} from "../../src/transport/Transport.ts"
import {
  ConnectTimeout,
  errorCodeOf,
  fromErrorCode,
  SocketFailure,
  type TransportError
} from "../../src/transport/TransportError.ts"

/** The listen backlog Bun really uses (not configurable in Bun.listen). */
export const BUN_LISTEN_BACKLOG = 512

/** Bun's TCP socket (types from bun-types, checked by `tsconfig.bun.json`). */
type RawSocket = Bun.Socket<Conn>
const bun = Bun

// Conn.flags
const PAUSED = 1
/** `end` was asked while writes were queued: shut down once they are flushed. */
const END_PENDING = 2
/** Our sending side is shut down. */
const SHUT = 4
/** The peer's FIN arrived (`onEnd` called). */
const PEER_ENDED = 8
/** `onError` was called. */
const ERRORED = 16
const DESTROYED = 32
const CLOSED = 64
/** Connect timed out before `open`: the owner already got ConnectTimeout. */
const ABANDONED = 128

const noop = () => {}
/** Handlers before the owner's are installed (or after a connect was abandoned). */
const noHandlers: SocketHandlers = {
  onData: noop,
  onDrain: noop,
  onEnd: noop,
  onError: noop,
  onClose: noop
}

const copyFrom = (bytes: Uint8Array, start: number): Uint8Array => {
  const copy = new Uint8Array(bytes.length - start)
  copy.set(start === 0 ? bytes : bytes.subarray(start))
  return copy
}

/** One socket: its state, its write queue, and the contract's `Socket` methods. */
class Conn implements Socket {
  raw: RawSocket | undefined = undefined
  handlers: SocketHandlers = noHandlers
  flags = 0
  /** Queued (copied) chunks, created on the first partial write. */
  queue: Array<Uint8Array> | undefined = undefined
  /** Index in `queue` of the first unsent chunk; `queue.length` when empty. */
  head = 0
  /** Bytes of `queue[head]` already sent. */
  headOffset = 0
  host: string
  port: number
  // connect only
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  connect: ConnectOptions | undefined = undefined
  done: ((error: TransportError | undefined, socket: Socket | undefined) => void) | undefined = undefined

  constructor(host: string, port: number) {
    this.host = host
    this.port = port
  }

  address(): string {
    return `${this.host}:${this.port}`
  }

  write(bytes: Uint8Array): boolean {
    const raw = this.raw
    if (raw === undefined || (this.flags & (CLOSED | SHUT | END_PENDING)) !== 0) return false
    const queue = this.queue
    if (queue === undefined || this.head === queue.length) {
      const n = raw.write(bytes)
      if (n === bytes.length) return true
      if (n < 0) return false // closed; `close` follows
      this.enqueue(copyFrom(bytes, n))
      return false
    }
    queue.push(copyFrom(bytes, 0))
    return false
  }

  enqueue(chunk: Uint8Array): void {
    if (this.queue === undefined) this.queue = [chunk]
    else this.queue.push(chunk)
  }

  /** Bun's `drain`: send what is queued; when it is all sent, finish a pending end and tell the owner. */
  flush(): void {
    const queue = this.queue
    const raw = this.raw
    if (queue === undefined || this.head === queue.length || raw === undefined || (this.flags & CLOSED) !== 0) return
    while (this.head < queue.length) {
      const chunk = queue[this.head]!
      const length = chunk.length - this.headOffset
      const n = raw.write(chunk, this.headOffset, length)
      if (n < 0) return
      if (n < length) {
        this.headOffset += n
        return
      }
      this.head++
      this.headOffset = 0
    }
    queue.length = 0
    this.head = 0
    if ((this.flags & END_PENDING) !== 0) {
      this.flags = (this.flags & ~END_PENDING) | SHUT
      raw.shutdown()
    }
    this.handlers.onDrain()
  }

  pause(): void {
    if ((this.flags & (PAUSED | CLOSED)) === 0 && this.raw !== undefined) {
      this.flags |= PAUSED
      this.raw.pause()
    }
  }

  resume(): void {
    if ((this.flags & (PAUSED | CLOSED)) === PAUSED && this.raw !== undefined) {
      this.flags &= ~PAUSED
      this.raw.resume()
    }
  }

  end(): void {
    if ((this.flags & (CLOSED | SHUT | END_PENDING)) !== 0 || this.raw === undefined) return
    const queue = this.queue
    if (queue !== undefined && this.head < queue.length) {
      this.flags |= END_PENDING
    } else {
      this.flags |= SHUT
      this.raw.shutdown()
    }
  }

  destroy(): void {
    if ((this.flags & (CLOSED | DESTROYED)) !== 0 || this.raw === undefined) return
    this.flags |= DESTROYED
    this.queue = undefined
    this.head = 0
    this.raw.terminate() // runs `close` synchronously
  }

  setNoDelay(noDelay: boolean): void {
    if ((this.flags & CLOSED) === 0 && this.raw !== undefined) this.raw.setNoDelay(noDelay)
  }

  /** Bun's `end`: the peer sent FIN. */
  peerEnded(): void {
    if ((this.flags & (PEER_ENDED | CLOSED)) !== 0) return
    this.flags |= PEER_ENDED
    this.handlers.onEnd()
  }

  /** Bun's `close`, with the error that closed it (e.g. ECONNRESET) if any. */
  closed(cause: unknown): void {
    if ((this.flags & CLOSED) !== 0) return
    this.flags |= CLOSED
    this.queue = undefined
    this.head = 0
    const handlers = this.handlers
    if (cause !== undefined && cause !== null) {
      if ((this.flags & ERRORED) === 0) {
        this.flags |= ERRORED
        handlers.onError(fromErrorCode(this.address(), errorCodeOf(cause), cause))
      }
    } else if ((this.flags & (SHUT | PEER_ENDED | DESTROYED | ERRORED)) === SHUT) {
      // We shut down first; the peer's FIN then closed the socket without an `end` call.
      this.flags |= PEER_ENDED
      handlers.onEnd()
    }
    handlers.onClose()
  }

  /** Bun's `error`: a handler threw (or a write failed); report it and close. */
  failed(cause: unknown): void {
    if ((this.flags & CLOSED) !== 0) return
    if ((this.flags & ERRORED) === 0) {
      this.flags |= ERRORED
      const code = errorCodeOf(cause)
      this.handlers.onError(
        code !== undefined
          ? fromErrorCode(this.address(), code, cause)
          : new SocketFailure({
              address: this.address(),
              code: "EHANDLER",
              detail: cause instanceof Error ? cause.message : String(cause),
              cause
            })
      )
    }
    this.destroy()
  }
}

/** `ArrayBuffer.prototype.transfer` (ES2024): detaching a buffer frees its memory at once. */
const canDetach = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function"

// Shared handlers: one function per event for every socket, state in `socket.data`.
const onData = (raw: RawSocket, bytes: Uint8Array) => {
  raw.data.handlers.onData(bytes)
  // The view was the owner's only until onData returned, and `write` copies whatever the kernel did not
  // take: nothing refers to this read's buffer any more. Free it now instead of at some later GC.
  const buffer = bytes.buffer
  if (canDetach && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    ;(buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0)
  }
}
const onDrain = (raw: RawSocket) => raw.data.flush()
const onEnd = (raw: RawSocket) => raw.data.peerEnded()
const onClose = (raw: RawSocket, error?: unknown) => raw.data?.closed(error)
const onError = (raw: RawSocket, error: unknown) => raw.data?.failed(error)

/** Errors on accepted sockets name the listening address (as the node:net adapter's do): no getpeername per socket. */
const listenHandlers = (onAccept: ListenOptions["onAccept"], local: { host: string; port: number }) => ({
  binaryType: "uint8array" as const,
  open(raw: RawSocket) {
    const conn = new Conn(local.host, local.port)
    conn.raw = raw
    raw.data = conn
    conn.handlers = onAccept(conn)
  },
  data: onData,
  drain: onDrain,
  end: onEnd,
  close: onClose,
  error: onError
})

const connectHandlers = {
  binaryType: "uint8array" as const,
  open(raw: RawSocket) {
    const conn = raw.data
    if ((conn.flags & ABANDONED) !== 0) {
      raw.terminate()
      return
    }
    if (conn.timer !== undefined) clearTimeout(conn.timer)
    conn.timer = undefined
    conn.raw = raw
    const options = conn.connect!
    const done = conn.done!
    conn.connect = undefined
    conn.done = undefined
    if (options.noDelay) raw.setNoDelay(true)
    conn.handlers = options.handlers(conn)
    done(undefined, conn)
  },
  connectError(raw: RawSocket, error: unknown) {
    const conn = raw.data
    conn.flags |= CLOSED
    if (conn.timer !== undefined) clearTimeout(conn.timer)
    conn.timer = undefined
    const done = conn.done
    conn.done = undefined
    conn.connect = undefined
    if (done !== undefined && (conn.flags & ABANDONED) === 0) {
      done(fromErrorCode(conn.address(), errorCodeOf(error), error), undefined)
    }
  },
  data: onData,
  drain: onDrain,
  end: onEnd,
  close: onClose,
  error: onError
}

const connectTimedOut = (conn: Conn, timeoutMs: number) => {
  conn.timer = undefined
  const done = conn.done
  if (done === undefined) return
  conn.flags |= ABANDONED
  conn.done = undefined
  conn.connect = undefined
  done(new ConnectTimeout({ address: conn.address(), timeoutMs }), undefined)
}

const swallow = () => {}

const listen = (options: ListenOptions): Effect.Effect<Listening, TransportError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.try({
        try: () => {
          const local = { host: options.host, port: options.port }
          const listener = bun.listen({
            hostname: options.host,
            port: options.port,
            allowHalfOpen: true,
            socket: listenHandlers(options.onAccept, local)
          })
          local.port = listener.port
          return listener
        },
        catch: (cause) => fromErrorCode(`${options.host}:${options.port}`, errorCodeOf(cause), cause)
      }),
      // stop(true) closes every accepted socket, running their `close` handlers synchronously.
      (listener) => Effect.sync(() => listener.stop(true))
    ),
    (listener): Listening => ({
      address: { host: listener.hostname ?? options.host, port: listener.port },
      effectiveBacklog: BUN_LISTEN_BACKLOG
    })
  )

const connect = (
  options: ConnectOptions,
  done: (error: TransportError | undefined, socket: Socket | undefined) => void
): void => {
  const conn = new Conn(options.host, options.port)
  conn.connect = options
  conn.done = done
  let pending: Promise<RawSocket>
  try {
    pending = bun.connect({
      hostname: options.host,
      port: options.port,
      allowHalfOpen: true,
      data: conn,
      socket: connectHandlers
    })
  } catch (cause) {
    conn.done = undefined
    conn.connect = undefined
    done(fromErrorCode(conn.address(), errorCodeOf(cause), cause), undefined)
    return
  }
  // `connectError` reports failures; the promise rejects as well.
  pending.then(undefined, swallow)
  if (conn.done !== undefined && options.timeoutMs > 0 && options.timeoutMs < 2_147_483_647) {
    conn.timer = setTimeout(connectTimedOut, options.timeoutMs, conn, options.timeoutMs)
  }
}

/** Byte equality with Bun's native compare (Buffer.compare: memcmp, no allocation). */
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0

export const make: Transport["Type"] = {
  runtime: { name: "bun", version: bun.version },
  listen,
  connect,
  equalBytes
}

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, make)
