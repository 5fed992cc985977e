/**
 * The transport on `Bun.listen` / `Bun.connect` (not node:net), Bun 1.4.5, typed
 * by bun-types. How Bun differs:
 *
 * - **Handlers** are declared once per listener (or connect call) and shared by
 *   every socket; per-socket state is `socket.data`, here one `Conn` that is also
 *   the owner's `Socket` (prototype methods: call them on the socket).
 * - **Backlog** cannot be set: the kernel shows 512 for every listener, so
 *   `effectiveBacklog` is 512 (or `somaxconn` if lower).
 * - **Writes** are not buffered: `write` returns the count the kernel took (-1
 *   once closed). The rest is copied to a per-socket queue and flushed from
 *   `drain` with the offset form of `write`; `onDrain` runs when it empties.
 *   Bun also calls `drain` when nothing was pending. Every write uses that
 *   form (`write(data, byteOffset, byteLength)`), so `writeRange` sends a range
 *   of the flood pattern without making a view of it.
 * - **Reads** get a fresh copy per `data` call (up to 512 KiB), with no
 *   documented lifetime; with `binaryType: "arraybuffer"` it is an ArrayBuffer,
 *   which the adapter wraps in a Uint8Array. Once `onData` returns nothing refers
 *   to it, so the adapter detaches it (`buffer.transfer(0)`), freeing it at once
 *   instead of at JSC's next collection. `pause()`/`resume()` stop and restart reading.
 * - **Half-close**: `socket.end()` closes the whole socket, so `end` flushes the
 *   queue and calls `shutdown()`; `allowHalfOpen: true` keeps a socket open
 *   after the peer's FIN. When our shutdown came first, Bun calls `close`
 *   without `end`; `onEnd` is then called just before `onClose`.
 * - **Errors**: a reset arrives as `close`'s second argument; `error` means a
 *   handler threw; failed connects go to `connectError`; `Bun.listen` throws
 *   synchronously. Accepted sockets name the listening address (no getpeername).
 * - `terminate()` and `stop(true)` run `close` handlers synchronously. Connect has
 *   no timeout option (a timer, and a late `open` is terminated).
 * - **TCP_NODELAY** is on for every socket Bun opens or accepts (it sets it
 *   itself, twice per connect), so a connect asking for it costs no call and one
 *   asking for Nagle turns it off in `open` (`setNoDelay` works only once
 *   connected); `serve` without `--nodelay` leaves Bun's default, on.
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
import { equalRange } from "../NativeCompare.ts"

/** The listen backlog Bun really uses (not configurable in Bun.listen). */
export const BUN_LISTEN_BACKLOG = 512

/** Bun's TCP socket (types from bun-types, checked by `.ci/tsconfig.bun.json`). */
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

/** A copy of `source[start, end)`; `Uint8Array`'s own slice, since a node Buffer's `slice` is a view. */
const copyRange = (source: Uint8Array, start: number, end: number): Uint8Array =>
  Uint8Array.prototype.slice.call(source, start, end)

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
    return this.writeRange(bytes, 0, bytes.length)
  }

  writeRange(source: Uint8Array, start: number, length: number): boolean {
    const raw = this.raw
    if (raw === undefined || (this.flags & (CLOSED | SHUT | END_PENDING)) !== 0) return false
    const queue = this.queue
    if (queue === undefined || this.head === queue.length) {
      const n = raw.write(source, start, length)
      if (n === length) return true
      if (n < 0) return false // closed; `close` follows
      this.enqueue(copyRange(source, start + n, start + length))
      return false
    }
    queue.push(copyRange(source, start, start + length))
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
// Bun copies each read into a fresh ArrayBuffer (binaryType "arraybuffer"); the Uint8Array over it is made here,
// so detaching needs no `.buffer` (which, on the Uint8Array Bun would make, creates the ArrayBuffer object late).
const readArrayBuffer = (raw: RawSocket, buffer: ArrayBuffer) => {
  raw.data.handlers.onData(new Uint8Array(buffer))
  // The view was the owner's only until onData returned, and `write` copies whatever the kernel did not
  // take: nothing refers to this read's buffer any more. Free it now instead of at some later GC.
  if (canDetach) (buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0)
}
/** bun-types 1.4 types `data`'s argument as a Buffer whatever `binaryType` asks for. */
const onData = readArrayBuffer as unknown as (raw: RawSocket, data: Buffer) => void
const onDrain = (raw: RawSocket) => raw.data.flush()
const onEnd = (raw: RawSocket) => raw.data.peerEnded()
const onClose = (raw: RawSocket, error?: unknown) => raw.data?.closed(error)
const onError = (raw: RawSocket, error: unknown) => raw.data?.failed(error)

/** Errors on accepted sockets name the listening address (as the node:net adapter's do): no getpeername per socket. */
const listenHandlers = (onAccept: ListenOptions["onAccept"], local: { host: string; port: number }) => ({
  binaryType: "arraybuffer" as const,
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
  binaryType: "arraybuffer" as const,
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
    // Bun sets TCP_NODELAY on every socket it opens or accepts: only asking for Nagle takes a call.
    if (!options.noDelay) raw.setNoDelay(false)
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
          // bun-types 1.4 lists reusePort only for connect; Bun.listen honours it too (SO_REUSEPORT).
          const listenOptions = {
            hostname: options.host,
            port: options.port,
            allowHalfOpen: true,
            reusePort: options.reusePort === true,
            socket: listenHandlers(options.onAccept, local)
          }
          const listener = bun.listen(listenOptions)
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
  equalBytes,
  equalRange
}

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, make)
