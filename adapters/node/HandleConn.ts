/**
 * An accepted connection as the bare TCP handle the listener accepted, with
 * no net.Socket around it.
 *
 * node:net wraps every accepted handle in a Socket: a Duplex with two stream
 * states, listeners, async ids, and at the end `end` → `_final` → shutdown →
 * `finish` → destroy → close through several ticks. With reads and writes
 * already at the handle, that per-connection machinery was the largest share
 * of the echo server's JS time left. Here the listener's `onconnection`
 * hands the handle to a `HandleConn`, which does what the Socket did for us
 * and no more: read into the shared buffer, write through the handle, shut
 * the sending side down (libuv runs it after queued writes), and close the
 * handle once both sides are done, as node:net's `allowHalfOpen` Socket does.
 */
import type { Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import { errorCodeOf, fromErrorCode } from "../../src/transport/TransportError.ts"
import { type HandleWriter, READ_BUFFER_SIZE, sharedReadBuffer, writeThroughHandle } from "./HandleWriter.ts"
import {
  errnoError,
  handleAccess,
  type ShutdownRequest,
  UV_ENOTCONN,
  UV_EOF,
  type WritableHandle
} from "./TcpHandle.ts"

/** Where a bare handle keeps its HandleConn. */
const kHandleConn = Symbol("echoflood.HandleConn")

/** What a TCP handle offers that a HandleConn uses (`onread` is an accessor node's C++ calls). */
export interface AcceptedHandle extends WritableHandle {
  onread: (this: AcceptedHandle, arrayBuffer: unknown) => unknown
  readStart(): number
  readStop(): number
  useUserBuffer(buffer: Uint8Array): void
  shutdown(req: ShutdownRequest): number
  close(callback: (this: AcceptedHandle) => void): void
  setNoDelay(enable: boolean): number
  [kHandleConn]: HandleConn
}

/** Whether this accepted handle has everything a HandleConn calls. */
export const isAcceptedHandle = (handle: unknown): handle is AcceptedHandle => {
  const h = handle as Partial<Record<keyof AcceptedHandle, unknown>> | null
  return (
    handleAccess?.newShutdown != null &&
    h !== null &&
    typeof h === "object" &&
    typeof h.writeBuffer === "function" &&
    typeof h.readStart === "function" &&
    typeof h.readStop === "function" &&
    typeof h.useUserBuffer === "function" &&
    typeof h.shutdown === "function" &&
    typeof h.close === "function" &&
    typeof h.setNoDelay === "function"
  )
}

const noop = () => {}
const noHandlers: SocketHandlers = { onData: noop, onDrain: noop, onEnd: noop, onError: noop, onClose: noop }

/** Our sending side: open, shutdown asked, shut. */
const OPEN = 0
const SHUTTING = 1
const SHUT = 2

/** One accepted connection: the contract's `Socket` over a bare TCP handle. */
export class HandleConn implements Socket, HandleWriter {
  handlers: SocketHandlers = noHandlers
  drainWanted = false
  writesInFlight = 0
  /** The owner paused reading. */
  paused = false
  /** libuv is reading this handle. */
  reading = false
  /** The peer's EOF arrived. */
  peerEnded = false
  sending = OPEN
  closed = false

  constructor(
    readonly handle: AcceptedHandle,
    readonly address: string,
    /** The listener's set of open connections, which it destroys when it closes. */
    readonly owner: Set<{ destroy(): void }>
  ) {
    handle[kHandleConn] = this
    handle.onread = onHandleRead
    handle.useUserBuffer(sharedReadBuffer())
  }

  write(bytes: Uint8Array): boolean {
    // After `end` or close the bytes have nowhere to go; node:net drops them too (with an error the owner never waits for).
    return this.closed || this.sending !== OPEN ? true : writeThroughHandle(this, this.handle, bytes)
  }

  pause(): void {
    this.paused = true
    if (!this.reading) return
    this.reading = false
    this.handle.readStop()
  }

  resume(): void {
    this.paused = false
    this.startReading()
  }

  startReading(): void {
    if (this.reading || this.paused || this.peerEnded || this.closed) return
    this.reading = true
    const status = this.handle.readStart()
    if (status < 0) this.fail(status, undefined, "read")
  }

  end(): void {
    if (this.closed || this.sending !== OPEN) return
    this.sending = SHUTTING
    const req = handleAccess!.newShutdown!(onShutdownDone)
    req.owner = this
    const status = this.handle.shutdown(req)
    // As node:net's `_final`: 1 and ENOTCONN mean there is nothing left to shut.
    if (status === 1 || status === UV_ENOTCONN) this.shut()
    else if (status < 0) this.fail(status, undefined, "shutdown")
  }

  /** Our side is shut: close once the peer's side is too (`allowHalfOpen` waits for both). */
  shut(): void {
    this.sending = SHUT
    if (this.peerEnded) this.destroy()
  }

  destroy(): void {
    if (this.closed) return
    this.closed = true
    this.reading = false
    // libuv cancels queued writes (their completions only return slabs) and calls back once the handle is closed.
    this.handle.close(onHandleClosed)
  }

  setNoDelay(noDelay: boolean): void {
    if (!this.closed) this.handle.setNoDelay(noDelay)
  }

  isClosed(): boolean {
    return this.closed
  }

  fail(status: number, detail: string | undefined, syscall = "write"): void {
    if (this.closed) return
    const error = errnoError(syscall, status, detail)
    this.handlers.onError(fromErrorCode(this.address, errorCodeOf(error), error))
    this.destroy()
  }
}

/** The handle read into the shared buffer, or reached EOF or an error (`this` is the handle). */
function onHandleRead(this: AcceptedHandle): undefined {
  const length = handleAccess!.lastRead()
  const conn = this[kHandleConn]
  if (length > 0) {
    const buffer = sharedReadBuffer()
    conn.handlers.onData(length === READ_BUFFER_SIZE ? buffer : buffer.subarray(0, length))
  } else if (length === UV_EOF) {
    // libuv stopped reading at EOF.
    conn.reading = false
    conn.peerEnded = true
    conn.handlers.onEnd()
    if (conn.sending === SHUT) conn.destroy()
  } else if (length < 0) {
    conn.fail(length, undefined, "read")
  }
  return undefined // the handle keeps reading into the shared buffer
}

function onShutdownDone(this: ShutdownRequest, status: number): void {
  const conn = this.owner as HandleConn
  this.owner = undefined
  if (conn.closed) return
  if (status < 0) conn.fail(status, undefined, "shutdown")
  else conn.shut()
}

function onHandleClosed(this: AcceptedHandle): void {
  const conn = this[kHandleConn]
  conn.owner.delete(conn)
  conn.handlers.onClose()
}
