/**
 * The transport on `Deno.listen` / `Deno.connect` (no node:net). How Deno differs:
 *
 * - **Backlog.** `tcpBacklog` is passed through; Linux caps it at
 *   `net.core.somaxconn`, read from /proc for `effectiveBacklog` when allowed.
 * - **Accepts.** A Deno listener has one accept op at a time, and while
 *   thousands of reads and writes complete the event loop completes it seldom
 *   (seconds apart at 10,000 × 512 KiB), so one accept queue (4096 at the usual
 *   somaxconn) fills and the kernel drops handshakes (TcpExt ListenOverflows):
 *   those clients retransmit with backoff and stall. On Linux the server opens
 *   `ACCEPT_QUEUES` listeners on one port with SO_REUSEPORT (unstable in Deno 2:
 *   `--unstable-net`), each with its own queue and accept loop, so the queues
 *   hold every connection of a cell; without the flag, one listener.
 * - **Reads are pulled, and a pending read pins its buffer.** A read op must be
 *   outstanding to see data or EOF, it holds the memory it was given until bytes
 *   arrive, and it cannot be withdrawn (`core.cancelRead` cancels every later
 *   read of the socket too). So an idle socket waits on a 1-byte read, and only a
 *   socket with data gets a full-size (32 KiB) buffer, from a pool with a byte
 *   budget; the byte read first is copied in front of the rest. A socket keeps
 *   its buffer while its reads fill it and nobody waits; once the budget is used
 *   up, sockets line up (first come, first served) and each socket that finishes
 *   an echo hands its buffer to the head of the line. If no buffer comes back for
 *   250 ms (the holders wait on quiet sockets), the pool lends beyond its budget,
 *   so no socket starves. Smaller full-size reads would split a 32 KiB chunk into
 *   several writes (Nagle + delayed ACK: 40 ms each without TCP_NODELAY).
 * - **Ops without the wrappers.** `conn.read`/`conn.write` are async functions
 *   around the runtime's core ops (one more promise, a Set insert/delete and a
 *   microtask per call). Where `Deno[Deno.internal].core.read/write` and the
 *   conn's internal rid exist, sockets call the ops directly; otherwise the
 *   public methods. `runtime.readPath` says which.
 * - **Writes are async and may be partial**: `write` starts (or queues) one op
 *   and returns false; `onDrain` follows once the queue is empty. While a write
 *   refers to the read buffer, no read is issued into it.
 * - **Errors** carry errno names in `code` or a class (`Deno.errors.*`), mapped
 *   by `fromErrorCode`. A peer reset usually reads as EOF, then `EPIPE` on write.
 * - **End.** `closeWrite()` (shutdown) after queued writes; when the peer's EOF
 *   is already read, `close()` sends the same FIN in one op.
 * - **equalBytes** is node:buffer's native `equals` over the views; **equalRange**
 *   its `compare` with offsets.
 */
import { Buffer } from "node:buffer"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { ConnectOptions, Listening, ListenOptions, Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import { Transport } from "../../src/transport/Transport.ts"
import { ConnectTimeout, errorCodeOf, fromErrorCode, type TransportError } from "../../src/transport/TransportError.ts"
import { equalRange } from "../NativeCompare.ts"

type TransportService = Context.Tag.Service<Transport>

/** Tuning knobs of the Deno transport. */
export interface DenoTransportOptions {
  /** Bytes of a full-size read buffer. */
  readonly readBufferSize?: number
  /** Bytes of full-size read buffers the sockets of this transport hold at once (lent beyond it only when stuck). */
  readonly readBufferBudget?: number
  /** Use the public `conn.read`/`conn.write` even where the core ops are reachable. */
  readonly publicApi?: boolean
}

export const defaultReadBufferSize = 32 * 1024
/** 8 MiB: 256 sockets read at once; 0.5 KiB per connection at 16,000. */
export const defaultReadBufferBudget = 8 * 1024 * 1024
/**
 * How long the line may wait with no buffer given back before the pool lends a quarter of its budget
 * more: long enough that a busy machine's scheduling gaps do not trigger it, far below a stall timeout.
 */
const STUCK_MS = 250

/** The runtime's core ops that `Deno.Conn` wraps (ext/net/01_net.js). */
interface DenoCore {
  readonly read: (rid: number, buffer: Uint8Array) => Promise<number>
  readonly write: (rid: number, buffer: Uint8Array) => Promise<number>
}

const findCore = (): DenoCore | undefined => {
  const key = Object.getOwnPropertySymbols(Deno).find((s) => s.description === "Deno.internal")
  const internal = key === undefined ? undefined : (Deno as unknown as Record<symbol, unknown>)[key]
  const core = (internal as { core?: Partial<DenoCore> } | undefined)?.core
  return typeof core?.read === "function" && typeof core.write === "function" ? (core as DenoCore) : undefined
}

/** The resource id behind a conn, or undefined when Deno keeps it elsewhere. */
let ridKey: symbol | undefined
const ridOf = (conn: Deno.TcpConn): number | undefined => {
  ridKey ??= Object.getOwnPropertySymbols(conn).find((s) => s.description === "Deno.internal.rid")
  const rid = ridKey === undefined ? undefined : (conn as unknown as Record<symbol, unknown>)[ridKey]
  return typeof rid === "number" ? rid : undefined
}

/**
 * The full-size read buffers of one transport, and the line of sockets waiting
 * for one (see the header).
 */
class ReadPool {
  /** Buffers handed out now. */
  held = 0
  private readonly free: Array<Uint8Array> = []
  private readonly line: Array<DenoSocket | undefined> = []
  private head = 0
  /** Buffers given back so far: the stuck check compares it. */
  private returned = 0
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  private returnedAtArm = 0

  constructor(
    readonly size: number,
    /** Buffers. */
    readonly limit: number
  ) {}

  /** Someone waits in line. */
  get contended(): boolean {
    return this.head < this.line.length
  }

  /** Three quarters of the limit are handed out: sockets whose last read fell short give theirs back. */
  get pressed(): boolean {
    return this.held * 4 > this.limit * 3
  }

  /** A buffer now, or null: the socket is put in line and `grant`ed one later. */
  acquire(socket: DenoSocket): Uint8Array | null {
    if (this.held < this.limit && !this.contended) {
      this.held++
      return this.free.pop() ?? new Uint8Array(this.size)
    }
    this.line.push(socket)
    this.arm()
    return null
  }

  /** A socket is done with `buffer`; `reusable` false while a write may still read from it. */
  release(buffer: Uint8Array, reusable: boolean): void {
    this.returned++
    while (this.head < this.line.length) {
      const next = this.line[this.head]!
      this.line[this.head++] = undefined
      if (next.closed) continue
      next.grant(reusable ? buffer : new Uint8Array(this.size))
      this.compact()
      return
    }
    this.compact()
    this.held--
    if (reusable && this.held + this.free.length < this.limit) this.free.push(buffer)
  }

  private compact(): void {
    if (this.head === this.line.length) {
      this.line.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.line.length) {
      this.line.splice(0, this.head)
      this.head = 0
    }
  }

  private arm(): void {
    if (this.timer !== undefined) return
    this.returnedAtArm = this.returned
    this.timer = setTimeout(this.check, STUCK_MS)
    Deno.unrefTimer(this.timer as unknown as number)
  }

  /** Nothing came back for STUCK_MS: the holders wait on quiet sockets, so lend a quarter of `limit` more. */
  private readonly check = (): void => {
    this.timer = undefined
    if (!this.contended) return
    if (this.returned === this.returnedAtArm) {
      for (let lent = 0; lent < Math.max(1, this.limit >> 2) && this.contended; ) {
        const next = this.line[this.head]!
        this.line[this.head++] = undefined
        if (next.closed) continue
        this.held++
        lent++
        next.grant(this.free.pop() ?? new Uint8Array(this.size))
      }
      this.compact()
    }
    if (this.contended) this.arm()
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
 * One socket over a `Deno.TcpConn`. A read is issued when none is outstanding,
 * the socket is not paused or waiting in the pool's line, and no pending write
 * refers to the read buffer.
 */
class DenoSocket implements Socket {
  h: SocketHandlers = ignoreHandlers
  private buf: Uint8Array | null = null
  /** The 1-byte buffer an idle socket waits on. */
  private peek: Uint8Array | null = null
  /** A byte read into `peek` and not yet delivered (0 or 1). */
  private peeked = 0
  private reading = false
  /** In the pool's line for a buffer. */
  private waiting = false
  /** The last read filled the buffer: more is probably coming, so the next read is full size. */
  private hot = false
  /** A read into the current buffer completed: the socket had its turn and may be asked to give it back. */
  private served = false
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
  closed = false

  constructor(
    readonly conn: Deno.TcpConn,
    /** The resource id for the core ops; -1 to use the conn's own methods. */
    private readonly rid: number,
    private readonly core: DenoCore | undefined,
    private readonly pool: ReadPool,
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

  /** The pool hands this socket a buffer it waited for. */
  grant(buffer: Uint8Array): void {
    this.waiting = false
    this.buf = buffer
    this.served = false
    this.maybeRead()
  }

  private maybeRead(): void {
    if (this.reading || this.waiting || this.paused || this.bufRefs !== 0 || this.readEnded || this.closed) return
    const pool = this.pool
    let buf = this.buf
    if (buf !== null && this.served && (pool.contended || (!this.hot && pool.pressed))) {
      this.buf = null
      pool.release(buf, true)
      buf = null
    }
    if (buf === null) {
      if (!this.hot && this.peeked === 0) {
        this.reading = true
        const peek = (this.peek ??= new Uint8Array(1))
        this.readInto(peek).then(this.onPeek, this.onReadError)
        return
      }
      buf = pool.acquire(this)
      if (buf === null) {
        this.waiting = true
        return
      }
      this.buf = buf
      this.served = false
    }
    this.reading = true
    let view = buf
    if (this.peeked !== 0) {
      buf[0] = this.peek![0]!
      view = buf.subarray(1)
    }
    this.readInto(view).then(this.onRead, this.onReadError)
  }

  private readInto(view: Uint8Array): Promise<number | null> {
    const core = this.core
    return core !== undefined ? core.read(this.rid, view) : this.conn.read(view)
  }

  private readonly onPeek = (n: number | null): void => {
    this.reading = false
    if (this.closed) return
    if (n === null || n === 0) {
      this.ended()
      return
    }
    this.peeked = 1
    this.maybeRead()
  }

  private readonly onRead = (n: number | null): void => {
    this.reading = false
    if (this.closed) return
    const buf = this.buf!
    const total = (n ?? 0) + this.peeked
    this.peeked = 0
    if (n === null || n === 0) {
      // EOF; a byte read before it is still the owner's
      if (total !== 0) this.h.onData(buf.subarray(0, total))
      if (!this.closed) this.ended()
      return
    }
    this.hot = total === buf.length
    this.served = true
    if (this.paused) {
      this.held = total
      return
    }
    this.h.onData(this.hot ? buf : buf.subarray(0, total))
    this.maybeRead()
  }

  private ended(): void {
    this.readEnded = true
    this.dropBuffer()
    this.h.onEnd()
    this.maybeFinish()
  }

  /** Gives the read buffer back; reusable only when no write still reads from it. */
  private dropBuffer(): void {
    const buf = this.buf
    if (buf === null) return
    this.buf = null
    this.pool.release(buf, this.bufRefs === 0)
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
    const core = this.core
    ;(core !== undefined ? core.write(this.rid, bytes) : this.conn.write(bytes)).then(this.onWritten, this.onWriteError)
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

/**
 * Listeners (each an accept queue of up to somaxconn and an accept loop) one server opens on Linux:
 * 8 × 4096 holds the 32,768 connections of the largest cell even while the event loop accepts none.
 */
export const ACCEPT_QUEUES = 8

interface ListenerState {
  readonly listeners: ReadonlyArray<Deno.TcpListener>
  readonly sockets: Set<DenoSocket>
  closed: boolean
}

const closeListeners = (listeners: ReadonlyArray<Deno.TcpListener>): void => {
  for (const listener of listeners) {
    try {
      listener.close()
    } catch {
      /* already closed */
    }
  }
}

const tcpListen = (options: ListenOptions, port: number, reusePort: boolean): Deno.TcpListener =>
  Deno.listen({
    hostname: options.host,
    port,
    tcpBacklog: options.backlog,
    // Unstable in Deno 2: needs --unstable-net, or Deno.listen throws saying so.
    ...(reusePort ? { reusePort: true } : {}),
    transport: "tcp"
  })

/**
 * Whether `--unstable-net` is on: Deno exits (code 70) rather than throws when `reusePort` is asked without
 * it, so it is told by `Deno.listenDatagram`, which the same flag adds to the namespace.
 */
const unstableNet = (): boolean => typeof (Deno as unknown as Record<string, unknown>).listenDatagram === "function"

/**
 * `ACCEPT_QUEUES` listeners sharing one port where SO_REUSEPORT is there (Linux, `--unstable-net`),
 * else the one listener: the server then accepts as a plain Deno server does.
 */
const openListeners = (options: ListenOptions): ReadonlyArray<Deno.TcpListener> => {
  if (Deno.build.os !== "linux" || !unstableNet()) return [tcpListen(options, options.port, options.reusePort === true)]
  // A port in use by another server must still fail as in use, not be shared: a plain bind finds out.
  if (options.reusePort !== true && options.port !== 0) tcpListen(options, options.port, false).close()
  const listeners = [tcpListen(options, options.port, true)]
  try {
    while (listeners.length < ACCEPT_QUEUES) listeners.push(tcpListen(options, listeners[0]!.addr.port, true))
  } catch (cause) {
    closeListeners(listeners)
    throw cause
  }
  return listeners
}

/** How each new conn reads and writes: the core ops when reachable, else the conn's own methods. */
interface ConnIo {
  readonly core: DenoCore | undefined
  readonly pool: ReadPool
}

const socketOf = (conn: Deno.TcpConn, io: ConnIo, owner: Set<DenoSocket> | null): DenoSocket => {
  const rid = io.core === undefined ? undefined : ridOf(conn)
  return rid === undefined
    ? new DenoSocket(conn, -1, undefined, io.pool, owner)
    : new DenoSocket(conn, rid, io.core, io.pool, owner)
}

const startAcceptLoop = (
  listener: Deno.TcpListener,
  state: ListenerState,
  options: ListenOptions,
  io: ConnIo,
  address: string
) => {
  let backoffMs = 0
  let reported = false
  const next = (): void => {
    if (!state.closed) listener.accept().then(onConn, onFail)
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
    // The next accept op goes out before this socket's first read: an op that finds its socket ready
    // completes at once only while the event loop's turn has I/O budget left (see ACCEPT_QUEUES).
    next()
    const socket = socketOf(conn, io, state.sockets)
    state.sockets.add(socket)
    let handlers: SocketHandlers
    try {
      handlers = options.onAccept(socket)
    } catch (cause) {
      socket.close(undefined)
      throw cause
    }
    socket.start(handlers)
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
  const budget = options.readBufferBudget ?? defaultReadBufferBudget
  for (const [name, value] of [
    ["readBufferSize", bufferSize],
    ["readBufferBudget", budget]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  }
  const core = options.publicApi === true ? undefined : findCore()
  const io: ConnIo = { core, pool: new ReadPool(bufferSize, Math.max(1, Math.floor(budget / bufferSize))) }

  const listen = (options: ListenOptions): Effect.Effect<Listening, TransportError, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.try({
        try: (): ListenerState => ({ listeners: openListeners(options), sockets: new Set(), closed: false }),
        catch: (cause) => toTransportError(`${options.host}:${options.port}`, cause)
      }),
      (state) =>
        Effect.sync(() => {
          state.closed = true
          closeListeners(state.listeners)
          for (const socket of Array.from(state.sockets)) socket.destroy()
        })
    ).pipe(
      Effect.map((state): Listening => {
        const addr = state.listeners[0]!.addr
        const address = { host: addr.hostname, port: addr.port }
        for (const listener of state.listeners)
          startAcceptLoop(listener, state, options, io, `${address.host}:${address.port}`)
        const somaxconn = readSomaxconn()
        return {
          address,
          effectiveBacklog: somaxconn === undefined ? options.backlog : Math.min(options.backlog, somaxconn),
          acceptQueues: state.listeners.length
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
        const socket = socketOf(conn, io, null)
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
    runtime: {
      name: "deno",
      version: Deno.version.deno,
      readPath: core === undefined ? "Deno.Conn read/write" : "core ops (core.read/core.write)"
    },
    listen,
    connect,
    equalBytes,
    equalRange
  }
}

/** The Deno transport with default tuning. */
/** `ECHOFLOOD_DENO_PUBLIC_API=1` measures the public `conn.read`/`conn.write` path instead of the core ops. */
const publicApiAsked = (): boolean => {
  try {
    return Deno.env.get("ECHOFLOOD_DENO_PUBLIC_API") === "1"
  } catch {
    return false // no env permission
  }
}

export const make: TransportService = makeTransport({ publicApi: publicApiAsked() })

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, make)
