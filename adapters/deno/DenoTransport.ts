/**
 * The Deno transport: `Deno.listen` / `Deno.connect`, no node:net. Checked on
 * Deno 2.9.6; how Deno differs from node:net and Bun:
 *
 * - **Listen backlog.** `Deno.listen` takes `tcpBacklog` (default 511, as
 *   libuv; the option arrived around Deno 2.5, denoland/deno#30541, and before
 *   it the backlog was always 511). We pass the requested backlog and Linux caps
 *   it at `net.core.somaxconn` (`ss -ltn` shows 4096 for a request of 32768 with
 *   somaxconn 4096), so `effectiveBacklog` is `min(backlog, somaxconn)`, read
 *   from /proc when read permission is granted, else the requested backlog.
 * - **Reads are pull based.** There is no data event: a read op
 *   (`conn.read(buf)`) must be outstanding, and the op pins the buffer it was
 *   given until bytes arrive, so every connection waiting for data holds its read
 *   buffer. Buffers cannot be shared between connections (two outstanding reads
 *   would fill the same memory) and a pending read cannot be cancelled without
 *   closing the socket, so a smaller buffer is the only lever on idle memory.
 *   We keep ONE buffer per socket, allocated when the first read is issued and
 *   dropped at EOF or close, and reuse it for every read (no per-chunk
 *   allocation but the `subarray` view). Its size, `readBufferSize`, defaults to
 *   32 KiB, the flood's chunk size, and that is a floor as well as a ceiling:
 *   - measured RSS per idle connection (5000 connections that each echoed
 *     32 KiB): 66 KiB with a 64 KiB buffer (V8 zero-fills it, so all of it is
 *     resident), 40 KiB with 32 KiB, 25 KiB with 16 KiB; Deno's own state
 *     is the ~2.5–8 KiB left over;
 *   - below 32 KiB a chunk is echoed in two writes, and Nagle + delayed ACK then
 *     stall every chunk by ~40 ms (16 KiB buffer: 200 × 512 KiB took 0.69 s
 *     instead of 0.07 s) unless the socket has TCP_NODELAY;
 *   - above 32 KiB only helps when the peer keeps several chunks in flight
 *     (reads then arrive in ~52 KiB pieces): about 20% less wall time with
 *     4 chunks in flight, no difference with 1 or 2.
 *   `makeTransport({ readBufferSize })` picks another size.
 * - **The read view and writes.** The view given to `onData` aliases the read
 *   buffer. If the handler passes it to `write`, the socket issues no further
 *   read until every write referencing that buffer has completed (counted by
 *   buffer identity): backpressure for free and no copy.
 * - **Writes are async and may be partial.** `conn.write` resolves with the
 *   count the kernel took (it may be less than asked; we write the rest). JS
 *   cannot learn synchronously whether the kernel took the bytes, so `write`
 *   starts (or queues behind the write in flight) an async write and returns
 *   false, and `onDrain` is called once when the queue is empty again. The echo
 *   handler therefore calls `pause()` / `resume()` once per chunk: both only
 *   flip a flag (resume also issues the next read if none is outstanding), so
 *   this costs nothing measurable. Only one `conn.write` is in flight per socket.
 * - **Per chunk:** one read op and one write op, each settled by a
 *   pre-bound `then` callback (no async function, no closure per chunk).
 *   Deno's `conn.read`/`conn.write` themselves wrap the op's promise in an
 *   async function (one extra hop each); no public API is cheaper.
 * - **Errors.** Deno errors carry errno names in `code` (`ECONNREFUSED`,
 *   `EADDRINUSE`, `EPIPE`, `ECONNRESET`, `EMFILE`, …) and classes such as
 *   `Deno.errors.ConnectionRefused`; we map `code` (or the class name when there
 *   is no code, e.g. `BadResource`) through `fromErrorCode`. A reset from the
 *   peer usually shows up on a read as plain EOF (`read` resolves `null`), and as
 *   `EPIPE`/`ECONNRESET` (→ `ConnectionReset`) on the next write. Closing a
 *   conn cancels its pending read (rejects with `Interrupted`), which we ignore.
 * - **End/close.** `end()` waits for queued writes, then `closeWrite()`
 *   (shutdown(2) SHUT_WR). The conn is closed (and `onClose` called) when the
 *   peer's EOF has been seen and our side is shut down, on `destroy()`, or on
 *   an error. When the peer's EOF has already been read (the echo server's
 *   case: it ends its side when the client ends), `end()` closes at once:
 *   with nothing left unread, close(2) sends the same FIN, and it saves an op
 *   per connection (~20 µs here).
 * - **equalBytes** uses `Buffer.prototype.equals` from node:buffer: on Deno 2.9
 *   it is a native compare over the views, allocating nothing (measured ~0.6 µs
 *   per 32 KiB vs ~7 µs for a JS loop over Int32Array views).
 */
import { Buffer } from "node:buffer"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { ConnectOptions, Listening, ListenOptions, Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import { Transport } from "../../src/transport/Transport.ts"
import { ConnectTimeout, errorCodeOf, fromErrorCode, type TransportError } from "../../src/transport/TransportError.ts"

type TransportService = Context.Tag.Service<Transport>

/** Tuning knobs of the Deno transport. */
export interface DenoTransportOptions {
  /** Bytes of a full-size socket read buffer (held by every socket while it waits for data). */
  readonly readBufferSize?: number
  /** Bytes of the read buffer a socket gets while the budget is spent. */
  readonly smallReadBufferSize?: number
  /** Total bytes of full-size read buffers the sockets of this transport hold at once. */
  readonly readBufferBudget?: number
}

export const defaultReadBufferSize = 32 * 1024
export const defaultSmallReadBufferSize = 2 * 1024
/**
 * No budget by default: every socket reads into a full-size buffer, as the raw
 * Deno server does. With a 64 MiB budget the sockets beyond it (16384 × 512 KiB
 * flood) read into 2 KiB buffers, 16 read and write ops per 32 KiB chunk, and
 * Deno then left hundreds of sockets' pending reads unserved for over 10 s while
 * their data sat in the kernel (stalled connections); pass `readBufferBudget`
 * to cap full-size buffers anyway.
 */
export const defaultReadBufferBudget = Number.MAX_SAFE_INTEGER

/**
 * The read buffers of all sockets of one transport: full-size ones while the
 * budget lasts, small ones beyond it (see the header).
 */
class ReadBuffers {
  /** Bytes of full-size buffers held by sockets now. */
  held = 0
  /** Full-size buffers given back, reused before any new one is made (so they never exceed the budget). */
  private readonly free: Array<Uint8Array> = []

  constructor(
    readonly size: number,
    readonly smallSize: number,
    readonly budget: number
  ) {}

  /** A buffer for a socket's next read: full size when asked for and the budget allows, else small. */
  acquire(full: boolean): Uint8Array {
    if (full && this.affordable) {
      this.held += this.size
      return this.free.pop() ?? new Uint8Array(this.size)
    }
    return new Uint8Array(this.smallSize)
  }

  /** A socket is done with `buffer`; `reuse` false when a write may still read from it. */
  release(buffer: Uint8Array, reuse = true): void {
    if (buffer.length !== this.size || this.size === this.smallSize) return
    this.held -= this.size
    if (reuse) this.free.push(buffer)
  }

  get affordable(): boolean {
    return this.held + this.size <= this.budget
  }

  /** Over three quarters of the budget is held: sockets that go quiet give their full-size buffer back. */
  get pressed(): boolean {
    return this.held * 4 > this.budget * 3
  }
}

const nameOf = (cause: unknown): string | undefined => (cause instanceof Error ? cause.name : undefined)

/** Maps whatever Deno threw onto a TransportError. */
export const toTransportError = (address: string, cause: unknown): TransportError =>
  fromErrorCode(address, errorCodeOf(cause) ?? nameOf(cause), cause)

const formatAddr = (addr: Deno.Addr): string =>
  addr.transport === "tcp" || addr.transport === "udp" ? `${addr.hostname}:${addr.port}` : String(addr.transport)

const ignoreHandlers: SocketHandlers = {
  onData: () => {},
  onDrain: () => {},
  onEnd: () => {},
  onError: () => {},
  onClose: () => {}
}

/**
 * One socket over a `Deno.TcpConn`. The read loop is a small state machine:
 * a read is issued when none is outstanding, the socket is not paused, and no
 * pending write references the read buffer.
 */
class DenoSocket implements Socket {
  h: SocketHandlers = ignoreHandlers
  private buf: Uint8Array | null = null
  private reading = false
  private paused = false
  /** Bytes read while paused, delivered on resume (-1: none). */
  private held = -1
  /** Pending writes whose bytes view the read buffer. */
  private bufRefs = 0
  private inFlight: Uint8Array | null = null
  private queue: Array<Uint8Array> | null = null
  private needDrain = false
  private ending = false
  /** closeWrite() was issued / has completed. */
  private writeShut = false
  private writeClosed = false
  private readEnded = false
  /** The last read filled the buffer (more is probably waiting); true before the first read. */
  private filled = true
  closed = false

  constructor(
    readonly conn: Deno.TcpConn,
    private readonly buffers: ReadBuffers,
    private readonly owner: Set<DenoSocket> | null
  ) {}

  /** Installs the owner's handlers and starts reading. */
  start(handlers: SocketHandlers): void {
    this.h = handlers
    this.maybeRead()
  }

  // --- Socket (prototype methods: call them on the socket) ----------------

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ending) return false
    if (bytes.length === 0) return this.inFlight === null
    const buf = this.buf
    if (buf !== null && bytes.buffer === buf.buffer) this.bufRefs++
    if (this.inFlight === null) this.startWrite(bytes)
    else if (this.queue === null) this.queue = [bytes]
    else this.queue.push(bytes)
    this.needDrain = true
    return false
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    if (this.held >= 0) queueMicrotask(this.deliverHeld)
    else this.maybeRead()
  }

  end(): void {
    if (this.closed || this.ending) return
    this.ending = true
    if (this.inFlight === null) this.shutdown()
  }

  destroy(): void {
    this.close(undefined)
  }

  setNoDelay(noDelay: boolean): void {
    if (this.closed) return
    try {
      this.conn.setNoDelay(noDelay)
    } catch {
      // closed underneath us; the read or write path reports it
    }
  }

  // --- reading ------------------------------------------------------------

  private maybeRead(): void {
    if (this.reading || this.paused || this.bufRefs !== 0 || this.readEnded || this.closed) return
    let buf = this.buf
    const buffers = this.buffers
    if (buf === null) {
      buf = this.buf = buffers.acquire(this.filled)
    } else if (buf.length === buffers.size) {
      // A socket that went quiet (its last read did not fill the buffer) gives a full-size one back under pressure.
      if (!this.filled && buffers.pressed && buffers.size !== buffers.smallSize) {
        buffers.release(buf)
        buf = this.buf = buffers.acquire(false)
      }
    } else if (this.filled && buffers.affordable) {
      // More is waiting than the small buffer took: go full size while the budget allows.
      buffers.release(buf)
      buf = this.buf = buffers.acquire(true)
    }
    this.reading = true
    this.conn.read(buf).then(this.onRead, this.onReadError)
  }

  private readonly onRead = (n: number | null): void => {
    this.reading = false
    if (this.closed) return
    if (n === null) {
      this.readEnded = true
      this.dropBuffer()
      this.h.onEnd()
      this.maybeFinish()
      return
    }
    if (n > 0) {
      const buf = this.buf!
      this.filled = n === buf.length
      if (this.paused) {
        this.held = n
        return
      }
      this.h.onData(n === buf.length ? buf : buf.subarray(0, n))
    }
    this.maybeRead()
  }

  /** Gives the read buffer back; to the pool only when no write still reads from it. */
  private dropBuffer(): void {
    if (this.buf !== null) this.buffers.release(this.buf, this.bufRefs === 0)
    this.buf = null
  }

  private readonly deliverHeld = (): void => {
    const n = this.held
    if (n < 0 || this.paused || this.closed) return
    this.held = -1
    const buf = this.buf!
    this.h.onData(n === buf.length ? buf : buf.subarray(0, n))
    this.maybeRead()
  }

  private readonly onReadError = (cause: unknown): void => {
    this.reading = false
    if (this.closed) return // our own close cancelled the read (Interrupted)
    this.close(toTransportError(formatAddr(this.conn.remoteAddr), cause))
  }

  // --- writing ------------------------------------------------------------

  private startWrite(bytes: Uint8Array): void {
    this.inFlight = bytes
    this.conn.write(bytes).then(this.onWritten, this.onWriteError)
  }

  private readonly onWritten = (n: number): void => {
    if (this.closed) return
    const done = this.inFlight!
    if (n < done.length) {
      // partial write: the kernel took n bytes, send the rest
      this.startWrite(done.subarray(n))
      return
    }
    this.inFlight = null
    const buf = this.buf
    if (this.bufRefs !== 0 && buf !== null && done.buffer === buf.buffer) this.bufRefs--
    const queue = this.queue
    if (queue !== null && queue.length !== 0) {
      this.startWrite(queue.shift()!)
      this.maybeRead()
      return
    }
    if (this.ending) {
      this.shutdown()
      if (this.closed) return // closed at once (see `shutdown`): onClose was the last call
    }
    if (this.needDrain) {
      this.needDrain = false
      this.h.onDrain()
    }
    this.maybeRead()
  }

  private readonly onWriteError = (cause: unknown): void => {
    if (this.closed) return
    this.close(toTransportError(formatAddr(this.conn.remoteAddr), cause))
  }

  private shutdown(): void {
    if (this.writeShut) return
    this.writeShut = true
    if (this.readEnded) {
      // The peer's EOF is read, so nothing is left unread and closing sends a FIN, as shutdown would:
      // one op (close) instead of two (shutdown, then close), as the raw server does.
      this.writeClosed = true
      this.close(undefined)
      return
    }
    this.conn.closeWrite().then(this.onShutdown, this.onWriteError)
  }

  private readonly onShutdown = (): void => {
    this.writeClosed = true
    this.maybeFinish()
  }

  // --- closing ------------------------------------------------------------

  private maybeFinish(): void {
    if (this.readEnded && this.writeClosed) this.close(undefined)
  }

  close(error: TransportError | undefined): void {
    if (this.closed) return
    this.closed = true
    try {
      this.conn.close() // cancels the pending read; an in-flight write completes or fails, ignored
    } catch {
      // already closed
    }
    this.dropBuffer()
    this.queue = null
    this.inFlight = null
    this.owner?.delete(this)
    const h = this.h
    if (error !== undefined) h.onError(error)
    h.onClose()
  }
}

const readSomaxconn = (): number | undefined => {
  const path = "/proc/sys/net/core/somaxconn"
  try {
    if (Deno.build.os !== "linux") return undefined
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined
    const value = Number.parseInt(Deno.readTextFileSync(path).trim(), 10)
    return Number.isFinite(value) && value > 0 ? value : undefined
  } catch {
    return undefined
  }
}

/** Errors on which the accept loop stops: the listener was closed. */
const isListenerClosed = (cause: unknown): boolean =>
  cause instanceof Deno.errors.BadResource || cause instanceof Deno.errors.Interrupted

interface ListenerState {
  readonly listener: Deno.TcpListener
  readonly sockets: Set<DenoSocket>
  closed: boolean
}

const startAcceptLoop = (state: ListenerState, options: ListenOptions, buffers: ReadBuffers, address: string) => {
  let backoffMs = 0
  let reported = false
  const next = (): void => {
    if (!state.closed) state.listener.accept().then(onConn, onFail)
  }
  const onConn = (conn: Deno.TcpConn): void => {
    backoffMs = 0
    if (state.closed) {
      try {
        conn.close()
      } catch {
        /* already closed */
      }
      return
    }
    const socket = new DenoSocket(conn, buffers, state.sockets)
    state.sockets.add(socket)
    let handlers: SocketHandlers
    try {
      handlers = options.onAccept(socket)
    } catch (cause) {
      socket.close(undefined)
      next()
      throw cause
    }
    socket.start(handlers)
    next()
  }
  const onFail = (cause: unknown): void => {
    if (state.closed || isListenerClosed(cause)) return
    // EMFILE/ENFILE or a connection aborted before accept: keep accepting, with backoff.
    if (!reported) {
      reported = true
      // biome-ignore lint/suspicious/noConsole: the one place a server under test can say why it stopped accepting
      console.error(`deno transport: accept failed, retrying: ${toTransportError(address, cause).message}`)
    }
    backoffMs = Math.min(1000, backoffMs === 0 ? 5 : backoffMs * 2)
    setTimeout(next, backoffMs)
  }
  next()
}

/** Builds the Deno transport service. */
export const makeTransport = (options: DenoTransportOptions = {}): TransportService => {
  const bufferSize = options.readBufferSize ?? defaultReadBufferSize
  const smallSize = Math.min(bufferSize, options.smallReadBufferSize ?? defaultSmallReadBufferSize)
  const budget = options.readBufferBudget ?? defaultReadBufferBudget
  for (const [name, value] of [
    ["readBufferSize", bufferSize],
    ["smallReadBufferSize", smallSize],
    ["readBufferBudget", budget]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  }
  const buffers = new ReadBuffers(bufferSize, smallSize, budget)

  const listen = (options: ListenOptions): Effect.Effect<Listening, TransportError, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.try({
        try: (): ListenerState => ({
          listener: Deno.listen({
            hostname: options.host,
            port: options.port,
            tcpBacklog: options.backlog,
            transport: "tcp"
          }),
          sockets: new Set(),
          closed: false
        }),
        catch: (cause) => toTransportError(`${options.host}:${options.port}`, cause)
      }),
      (state) =>
        Effect.sync(() => {
          state.closed = true
          try {
            state.listener.close()
          } catch {
            /* already closed */
          }
          for (const socket of Array.from(state.sockets)) socket.destroy()
        })
    ).pipe(
      Effect.map((state): Listening => {
        const addr = state.listener.addr
        const address = { host: addr.hostname, port: addr.port }
        startAcceptLoop(state, options, buffers, `${address.host}:${address.port}`)
        const somaxconn = readSomaxconn()
        return {
          address,
          effectiveBacklog: somaxconn === undefined ? options.backlog : Math.min(options.backlog, somaxconn)
        }
      })
    )

  const connect = (
    options: ConnectOptions,
    done: (error: TransportError | undefined, socket: Socket | undefined) => void
  ): void => {
    const address = `${options.host}:${options.port}`
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let abort: AbortController | undefined
    if (options.timeoutMs > 0 && Number.isFinite(options.timeoutMs)) {
      abort = new AbortController()
      timer = setTimeout(() => {
        if (settled) return
        settled = true
        abort!.abort()
        done(new ConnectTimeout({ address, timeoutMs: options.timeoutMs }), undefined)
      }, options.timeoutMs)
    }
    let pending: Promise<Deno.TcpConn>
    try {
      pending = Deno.connect({
        hostname: options.host,
        port: options.port,
        transport: "tcp",
        ...(abort === undefined ? {} : { signal: abort.signal })
      })
    } catch (cause) {
      pending = Promise.reject(cause)
    }
    pending.then(
      (conn) => {
        if (settled) {
          try {
            conn.close()
          } catch {
            /* already closed */
          }
          return
        }
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        const socket = new DenoSocket(conn, buffers, null)
        let handlers: SocketHandlers
        try {
          if (options.noDelay) conn.setNoDelay(true)
          handlers = options.handlers(socket)
        } catch (cause) {
          socket.close(undefined)
          done(toTransportError(address, cause), undefined)
          return
        }
        socket.start(handlers)
        done(undefined, socket)
      },
      (cause) => {
        if (settled) return
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        done(toTransportError(address, cause), undefined)
      }
    )
  }

  const equals = Buffer.prototype.equals
  const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
    a.length === b.length && (a.length === 0 || equals.call(a, b))

  return {
    runtime: { name: "deno", version: Deno.version.deno },
    listen,
    connect,
    equalBytes
  }
}

/** The Deno transport with default tuning. */
export const make: TransportService = makeTransport()

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, make)
