/**
 * The buffers every Node socket shares and the write through a TCP handle,
 * for both kinds of socket the adapter has: a net.Socket (`NodeConn`) and a
 * bare accepted handle (`HandleConn`).
 */
import type { SocketHandlers } from "../../src/transport/Transport.ts"
import { handleAccess, type WritableHandle, type WriteRequest } from "./TcpHandle.ts"

/** Bytes of the read buffer shared by every socket: what node:net reads at most per call by default. */
export const READ_BUFFER_SIZE = 64 * 1024
/** Copies of read bytes waiting to be written (one slab each); more than this idle ones are left to the GC. */
const MAX_IDLE_SLABS = 64

let readBuffer: Buffer | undefined
/** The one buffer every socket reads into; safe because read callbacks run one at a time. */
export const sharedReadBuffer = (): Buffer => (readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_SIZE))

const idleSlabs: Array<Buffer> = []
const takeSlab = (): Buffer => idleSlabs.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_SIZE)
export const releaseSlab = (slab: Buffer): void => {
  if (idleSlabs.length < MAX_IDLE_SLABS) idleSlabs.push(slab)
}

/** A slab holding a copy of `bytes`, when they are in the shared read buffer (which the next read overwrites). */
export const copyIfShared = (bytes: Uint8Array): Buffer | undefined => {
  if (bytes.buffer !== readBuffer?.buffer) return undefined
  const slab = takeSlab()
  slab.set(bytes)
  return slab
}

/** The bytes to write: `bytes` themselves, or their copy at the start of `slab`. */
export const bytesToWrite = (bytes: Uint8Array, slab: Buffer | undefined): Uint8Array =>
  slab === undefined ? bytes : bytes.length === slab.length ? slab : slab.subarray(0, bytes.length)

/** A socket that writes through its handle. */
export interface HandleWriter {
  readonly handlers: SocketHandlers
  /** `write` returned false: the owner waits for `onDrain`. */
  drainWanted: boolean
  /** Handle writes libuv has not finished. */
  writesInFlight: number
  /** Closed or closing: completions are only cleanup then. */
  isClosed(): boolean
  /** A write failed with this errno: report it as the socket's error and close. */
  fail(status: number, detail: string | undefined): void
}

/** A request whose write finished at once, ready for the next (C++ only binds a request to a write that waits). */
let spareRequest: WriteRequest | undefined
/** Handle writes that left a remainder to libuv, since start (tests check the async path ran). */
let asyncHandleWrites = 0
export const asyncHandleWriteCount = (): number => asyncHandleWrites

/**
 * Writes `bytes` with the handle's `writeBuffer`: true when the kernel took
 * them all; false when libuv keeps the rest, until `onWriteDone` (then
 * `onDrain` follows). Bytes in the shared read buffer are copied first,
 * because libuv points into what it keeps.
 */
export const writeThroughHandle = (writer: HandleWriter, handle: WritableHandle, bytes: Uint8Array): boolean => {
  const slab = copyIfShared(bytes)
  const data = bytesToWrite(bytes, slab)
  const req = spareRequest ?? handleAccess!.newRequest(onWriteDone)
  spareRequest = undefined
  const status = handle.writeBuffer(req, data)
  if (status !== 0) {
    if (slab !== undefined) releaseSlab(slab)
    writer.fail(status, req.error)
    return true
  }
  if (!handleAccess!.lastWriteWasAsync()) {
    if (slab !== undefined) releaseSlab(slab)
    spareRequest = req
    return true
  }
  asyncHandleWrites++
  req.owner = writer
  req.bytes = data
  req.slab = slab
  writer.writesInFlight++
  writer.drainWanted = true
  return false
}

/** libuv sent (or dropped) the rest of a handle write; `this` is its request. */
function onWriteDone(this: WriteRequest, status: number): void {
  const writer = this.owner as HandleWriter
  // libuv is done with the bytes either way (a closed socket cancels its writes with a status < 0).
  if (this.slab !== undefined) releaseSlab(this.slab)
  this.owner = undefined
  this.bytes = undefined
  this.slab = undefined
  writer.writesInFlight--
  if (writer.isClosed()) return
  if (status < 0) {
    writer.fail(status, this.error)
    return
  }
  if (writer.writesInFlight > 0 || !writer.drainWanted) return
  writer.drainWanted = false
  writer.handlers.onDrain()
}
