/**
 * One socket over a `Deno.TcpConn`, reading and writing through the runtime's core ops where they are
 * reachable (`Deno[Deno.internal].core.read/write` and the conn's internal rid), else through the public
 * `conn.read`/`conn.write` (async functions around the same ops: one more promise, a Set insert/delete and a
 * microtask per call). Every read and write is an op and a promise.
 *
 * Reads are pulled, and a pending read pins its buffer and cannot be withdrawn (`core.cancelRead` cancels
 * every later read of the socket too). So an idle socket waits on a 1-byte read, and only a socket with
 * data gets a full-size (32 KiB) buffer from the ReadPool; the byte read first is copied in front of the
 * rest. A socket keeps its buffer while its reads fill it and nobody waits in the pool's line. Smaller
 * full-size reads would split a 32 KiB chunk into several writes (Nagle + delayed ACK: 40 ms each without
 * TCP_NODELAY). Writes are async and may be partial: `write` starts (or queues) one op and returns false;
 * `onDrain` follows once the queue is empty. While a write refers to the read buffer, no read is issued
 * into it.
 */
import type { Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import { errorCodeOf, fromErrorCode, type TransportError } from "../../src/transport/TransportError.ts"
import type { PoolClient, ReadPool } from "./ReadPool.ts"

/** The runtime's core ops that `Deno.Conn` wraps (ext/net/01_net.js). */
export interface DenoCore {
  readonly read: (rid: number, buffer: Uint8Array) => Promise<number>
  readonly write: (rid: number, buffer: Uint8Array) => Promise<number>
}

export const findCore = (): DenoCore | undefined => {
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

const nameOf = (cause: unknown): string | undefined => (cause instanceof Error ? cause.name : undefined)

/** Maps whatever Deno threw onto a TransportError. */
export const toTransportError = (address: string, cause: unknown): TransportError =>
  fromErrorCode(address, errorCodeOf(cause) ?? nameOf(cause), cause)

export const formatAddr = (addr: Deno.Addr): string =>
  addr.transport === "tcp" || addr.transport === "udp" ? `${addr.hostname}:${addr.port}` : String(addr.transport)

const ignoreHandlers: SocketHandlers = {
  onData: () => {},
  onDrain: () => {},
  onEnd: () => {},
  onError: () => {},
  onClose: () => {}
}

/**
 * One socket over a `Deno.TcpConn` (see the header). A read is issued when none is outstanding,
 * the socket is not paused or waiting in the pool's line, and no pending write
 * refers to the read buffer.
 */
export class OpSocket implements Socket, PoolClient {
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
    private readonly owner: Set<OpSocket> | null
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

/** How each new conn reads and writes: the core ops when reachable, else the conn's own methods. */
export interface ConnIo {
  readonly core: DenoCore | undefined
  readonly pool: ReadPool
}

export const socketOf = (conn: Deno.TcpConn, io: ConnIo, owner: Set<OpSocket> | null): OpSocket => {
  const rid = io.core === undefined ? undefined : ridOf(conn)
  return rid === undefined
    ? new OpSocket(conn, -1, undefined, io.pool, owner)
    : new OpSocket(conn, rid, io.core, io.pool, owner)
}
