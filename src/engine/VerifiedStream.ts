/**
 * One verified-stream connection, the engine under every client policy
 * (flood, saturation, probe): it sends its pattern stream within the window,
 * verifies every echoed byte, times each chunk's round trip, and, when a
 * finite stream is all verified, checks completion: it half-closes and waits
 * for the server's EOF, and any byte before that EOF fails the connection as
 * `excess`, whether it came in the same read or later. The completion time
 * stays at the last verified byte; the wait for the EOF is the owner's to
 * report apart.
 *
 * The per-chunk path (data → verify → next write) is plain synchronous code
 * over the transport's callbacks, touching fields of this object: one clock
 * read per read event (shared by the round trips it ends and the writes it
 * starts), one native compare against a range of the pattern, with no view
 * made (the byte walk in Verifier.ts runs only on a mismatch), one view of
 * the pattern per write where the runtime's write takes only a view (Bun's
 * takes the whole pattern with an offset: `writeRange`), a bucket increment
 * per round trip. The handlers are prototype methods, so
 * a connection costs no closures.
 */
import { PATTERN_LENGTH, patternBytes, startOffset } from "../protocol/PayloadPattern.ts"
import { verify } from "../protocol/Verifier.ts"
import type { Socket, SocketHandlers, Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { type ErrorDetail, type ErrorKind, mismatchDetail, transportDetail } from "./ErrorKinds.ts"
import type { LatencyHistogram } from "./LatencyHistogram.ts"

/** What a policy gives its streams and hears from them. */
export interface StreamOwner {
  readonly transport: Transport["Type"]
  /** Bytes each stream sends and verifies; Infinity for a stream without end. */
  readonly total: number
  /** Largest write. */
  readonly chunk: number
  /** Most bytes sent but not yet echoed. */
  readonly window: number
  /** Names a stream in messages: "connection", "probe". */
  readonly label: string
  /** Where chunk round trips go; undefined when the policy does not time chunks. */
  readonly latency: LatencyHistogram | undefined
  /** Counter of verified bytes over all streams. */
  readonly progress: { bytesVerified: number }
  /** When the first chunk was sent (0 before). */
  firstSendAt: number
  /** The server's EOF came after the last expected byte and nothing else: the stream succeeded. */
  streamClosed(stream: VerifiedStream, now: number): void
  /** The stream failed; it is closed. */
  streamFailed(stream: VerifiedStream, detail: ErrorDetail): void
}

/** Where a stream is in its life: connecting, or sending and verifying. */
export const OPEN = 0
/** Every expected byte verified; half-closed, waiting for the server's EOF. */
export const CLOSING = 1
/** Succeeded, failed or abandoned: whatever the socket still reports is ignored. */
export const DONE = 2
export type StreamState = typeof OPEN | typeof CLOSING | typeof DONE

export class VerifiedStream implements SocketHandlers {
  socket: Socket | undefined = undefined
  state: StreamState = OPEN
  sent = 0
  received = 0
  writable = true
  /** Last verified byte, or the half-close while closing (for stall detection). */
  lastProgress = 0
  /** Longest time between two verified reads since `lastProgress` was reset. */
  longestGap = 0
  /** When the last expected byte was verified (0 before). */
  verifiedAt = 0
  /** Send time of each chunk in flight, by chunk number modulo the ring size. */
  readonly sendTimes: Float64Array | undefined
  /** Where this stream starts in the pattern. */
  readonly patternStart: number

  constructor(
    readonly index: number,
    readonly owner: StreamOwner
  ) {
    this.sendTimes =
      owner.latency === undefined ? undefined : new Float64Array(Math.ceil(owner.window / owner.chunk) + 1)
    this.patternStart = startOffset(index)
  }

  /** Sends as much as the window allows; `now` stamps the chunks started (0 when chunks are not timed). */
  pump(now: number): void {
    const owner = this.owner
    const total = owner.total
    const chunk = owner.chunk
    const socket = this.socket!
    const sendTimes = this.sendTimes
    const pattern = patternBytes()
    while (this.writable && this.sent < total) {
      const length = Math.min(total - this.sent, chunk)
      if (this.sent - this.received + length > owner.window) return
      if (sendTimes !== undefined) sendTimes[Math.floor(this.sent / chunk) % sendTimes.length] = now
      if (owner.firstSendAt === 0) owner.firstSendAt = now
      let position = this.patternStart + this.sent
      if (position >= PATTERN_LENGTH) position %= PATTERN_LENGTH
      this.sent += length
      this.writable =
        socket.writeRange !== undefined
          ? socket.writeRange(pattern, position, length)
          : socket.write(pattern.subarray(position, position + length))
    }
  }

  onData(bytes: Uint8Array): void {
    if (this.state !== OPEN) {
      if (this.state === CLOSING) this.excess(bytes, 0)
      return
    }
    const owner = this.owner
    const before = this.received
    const room = this.sent - before
    const usable = Math.min(bytes.length, room)
    const got = usable === bytes.length ? bytes : bytes.subarray(0, usable)
    let position = this.patternStart + before
    if (position >= PATTERN_LENGTH) position %= PATTERN_LENGTH
    // The common case: one native compare against the pattern (reads are far below its period).
    if (usable > PATTERN_LENGTH || !owner.transport.equalRange(got, patternBytes(), position)) {
      const mismatch = verify(owner.transport.equalBytes, this.index, before, got)
      if (mismatch !== undefined) {
        this.fail(mismatchDetail(owner.label, this.index, mismatch))
        return
      }
    }
    if (usable < bytes.length) {
      this.excess(bytes, usable)
      return
    }
    const now = performance.now()
    this.received = before + usable
    const gap = now - this.lastProgress
    if (gap > this.longestGap) this.longestGap = gap
    this.lastProgress = now
    owner.progress.bytesVerified += usable
    const sendTimes = this.sendTimes
    const total = owner.total
    if (sendTimes !== undefined) {
      // A chunk's round trip ends when its last byte is back.
      const chunk = owner.chunk
      const latency = owner.latency!
      const firstDone = Math.ceil((before + 1) / chunk)
      const lastDone = this.received === total ? Math.ceil(total / chunk) : Math.floor(this.received / chunk)
      for (let c = firstDone; c <= lastDone; c++) latency.recordMillis(now - sendTimes[(c - 1) % sendTimes.length]!)
    }
    if (this.received === total) this.echoed(now)
    else this.pump(now)
  }

  onDrain(): void {
    this.writable = true
    if (this.state === OPEN) this.pump(this.sendTimes === undefined ? 0 : performance.now())
  }

  onEnd(): void {
    if (this.state === CLOSING) {
      this.state = DONE
      this.socket?.destroy()
      this.owner.streamClosed(this, performance.now())
    } else if (this.state === OPEN) {
      this.failWith(
        "truncated",
        this.received,
        `the server closed it after echoing ${this.received} of ${this.expectedText()} bytes`
      )
    }
  }

  onError(error: TransportError): void {
    if (this.state === DONE) return
    this.fail(transportDetail(this.owner.label, this.index, this.received, error))
  }

  onClose(): void {
    if (this.state === DONE) return
    this.failWith(
      "truncated",
      this.received,
      this.state === CLOSING
        ? `closed without the server's EOF after all ${this.received} bytes were echoed`
        : `closed after ${this.received} bytes`
    )
  }

  /** All expected bytes are verified: half-close and wait for the server's EOF. */
  private echoed(now: number): void {
    this.state = CLOSING
    this.verifiedAt = now
    this.lastProgress = now
    this.socket!.end()
  }

  /** Bytes beyond those sent: `bytes[from]` is the first. */
  private excess(bytes: Uint8Array, from: number): void {
    const beyond = this.received + from
    const complete = this.sent === this.owner.total
    this.fail({
      kind: complete ? "excess" : "extra-bytes",
      connection: this.index,
      offset: beyond,
      received: bytes[from],
      message: `${this.owner.label} ${this.index}: ${bytes.length - from} byte(s) echoed beyond the ${this.sent} sent${
        this.state === CLOSING ? ", before the server's EOF" : ""
      }`
    })
  }

  private expectedText(): string {
    return Number.isFinite(this.owner.total) ? String(this.owner.total) : `${this.sent} sent`
  }

  /** No progress since `lastProgress` for `stallMs`: fail as stalled (the owner decides when to ask). */
  checkStall(now: number, stallMs: number): void {
    if (this.state === DONE || this.socket === undefined || now - this.lastProgress <= stallMs) return
    const seconds = stallMs / 1000
    this.failWith(
      "stalled",
      this.received,
      this.state === CLOSING
        ? `no EOF from the server ${seconds} s after the client's half-close (all ${this.received} bytes echoed)`
        : `no echo for ${seconds} s after ${this.received} of ${this.expectedText()} bytes (${this.sent - this.received} unechoed)`
    )
  }

  failWith(kind: ErrorKind, offset: number, what: string): void {
    this.fail({ kind, connection: this.index, offset, message: `${this.owner.label} ${this.index}: ${what}` })
  }

  fail(detail: ErrorDetail): void {
    if (this.state === DONE) return
    this.state = DONE
    this.socket?.destroy()
    this.owner.streamFailed(this, detail)
  }

  /** Closes without a verdict (the run is over). */
  abandon(): void {
    this.state = DONE
    this.socket?.destroy()
  }
}

/** What a stream connects to. */
export interface StreamTarget {
  readonly host: string
  readonly port: number
  readonly noDelay: boolean
  /** Source address to bind (several client processes: a port range each). */
  readonly sourceAddress?: string | undefined
}

/** Opens `stream`'s socket; `done` runs once, with the connect error or undefined once it is open. */
export const connectStream = (
  transport: Transport["Type"],
  target: StreamTarget,
  timeoutMs: number,
  stream: VerifiedStream,
  done: (error: TransportError | undefined) => void
): void =>
  transport.connect(
    {
      host: target.host,
      port: target.port,
      timeoutMs,
      noDelay: target.noDelay,
      ...(target.sourceAddress === undefined ? {} : { localAddress: target.sourceAddress }),
      handlers: (socket) => {
        stream.socket = socket
        return stream
      }
    },
    done
  )
