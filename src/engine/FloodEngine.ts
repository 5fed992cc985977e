/**
 * The flood client: N connections each send X bytes of their pattern and
 * verify every echoed byte, with at most `window` bytes unechoed per
 * connection. Effect runs the flood as one interruptible effect; inside, the
 * per-chunk path (data → verify → next write) is plain synchronous code over
 * the transport's callbacks, touching only preallocated per-connection state.
 *
 * Per chunk it costs one view of the pattern for the write, one native
 * compare of each read against the pattern (the byte-walking diagnosis in
 * Verifier.ts only runs on a mismatch), two clock reads, and one round-trip
 * time stored in a typed array; the HdrHistogram is filled from that array
 * when it is full and after the flood, not per chunk.
 */
import * as Effect from "effect/Effect"
import * as hdr from "hdr-histogram-js"
import { expectedView, PATTERN_LENGTH, patternBytes, startOffset } from "../protocol/PayloadPattern.ts"
import { verify } from "../protocol/Verifier.ts"
import type { Socket, SocketHandlers } from "../transport/Transport.ts"
import { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import type { FloodOptions } from "./FloodOptions.ts"
import { type ErrorDetail, type ErrorKind, errorKindOf, type FloodReport } from "./FloodResult.ts"

const MAX_DETAILS = 5
/** Round-trip times kept before they are moved into the histogram (4 bytes each). */
const LATENCY_BATCH = 1 << 16

/** Live counters, readable while a flood runs (progress lines, saturation sampling). */
export interface FloodProgress {
  connected: number
  completed: number
  failed: number
  bytesVerified: number
}

/** One connection's state; everything the hot path touches is a field here. */
class Connection implements SocketHandlers {
  socket: Socket | undefined = undefined
  sent = 0
  received = 0
  finished = false
  writable = true
  lastProgress = 0
  /** Send time of each chunk in flight, by chunk number modulo the ring size. */
  readonly sendTimes: Float64Array
  /** Where this connection's stream starts in the pattern. */
  readonly patternStart: number

  constructor(
    readonly index: number,
    readonly run: FloodRun
  ) {
    this.sendTimes = run.sendTimeRing()
    this.patternStart = startOffset(index)
  }

  pump(): void {
    const run = this.run
    const total = run.options.bytesPerConnection
    const chunk = run.options.chunk
    const socket = this.socket!
    while (this.writable && this.sent < total) {
      const length = Math.min(chunk, total - this.sent)
      if (this.sent - this.received + length > run.options.window) return
      this.sendTimes[(this.sent / chunk) % this.sendTimes.length] = performance.now()
      const view = expectedView(this.index, this.sent, length)
      this.sent += length
      if (run.bulkStartedAt === 0) run.bulkStartedAt = performance.now()
      this.writable = socket.write(view)
    }
  }

  onData = (bytes: Uint8Array): void => {
    if (this.finished) return
    const run = this.run
    const total = run.options.bytesPerConnection
    const before = this.received
    const usable = Math.min(bytes.length, this.sent - before)
    const got = usable === bytes.length ? bytes : bytes.subarray(0, usable)
    // The common case: one native compare against the pattern (reads are far below its period).
    let position = this.patternStart + before
    if (position >= PATTERN_LENGTH) position %= PATTERN_LENGTH
    const mismatch =
      usable <= PATTERN_LENGTH && run.equalBytes(got, run.pattern.subarray(position, position + usable))
        ? undefined
        : verify(run.equalBytes, this.index, before, got)
    if (mismatch !== undefined) {
      const what =
        mismatch.kind === "corrupted"
          ? `byte ${mismatch.offset} is ${mismatch.received}, expected ${mismatch.expected}`
          : `stream ${mismatch.kind === "missing-bytes" ? "lost" : "gained"} ${mismatch.shift} byte(s) at offset ${mismatch.offset}`
      this.fail(
        mismatch.kind,
        mismatch.offset,
        `connection ${this.index}: ${what}`,
        mismatch.expected,
        mismatch.received
      )
      return
    }
    if (usable < bytes.length) {
      // The server sent bytes we never sent (or not yet): an echo cannot run ahead.
      this.fail(
        this.sent < total ? "extra-bytes" : "excess",
        before + usable,
        `connection ${this.index}: ${bytes.length - usable} byte(s) echoed beyond the ${this.sent} sent`,
        undefined,
        bytes[usable]
      )
      return
    }
    const now = performance.now()
    this.received = before + usable
    this.lastProgress = now
    run.progress.bytesVerified += usable
    // A chunk's round trip ends when its last byte is back.
    const chunk = run.options.chunk
    const firstDone = Math.ceil((before + 1) / chunk)
    const lastDone = this.received === total ? Math.ceil(total / chunk) : Math.floor(this.received / chunk)
    for (let c = firstDone; c <= lastDone; c++)
      run.recordRoundTrip(now - this.sendTimes[(c - 1) % this.sendTimes.length]!)
    if (this.received === total) this.complete(now)
    else this.pump()
  }

  onDrain = (): void => {
    this.writable = true
    if (!this.finished) this.pump()
  }

  onEnd = (): void => {
    if (this.finished) return
    this.fail(
      "truncated",
      this.received,
      `connection ${this.index}: server closed after echoing ${this.received} of ${this.run.options.bytesPerConnection} bytes`
    )
  }

  onError = (error: TransportError): void => {
    if (this.finished) return
    this.fail(errorKindOf(error), this.received, `connection ${this.index}: ${error.message}`)
  }

  onClose = (): void => {
    if (this.finished) return
    this.fail("truncated", this.received, `connection ${this.index}: closed after ${this.received} bytes`)
  }

  complete(now: number): void {
    this.finished = true
    this.run.connectionCompleted(this, now)
    this.socket?.destroy()
  }

  fail(kind: ErrorKind, offset: number, message: string, expected?: number, received?: number): void {
    if (this.finished) return
    this.finished = true
    this.socket?.destroy()
    this.run.connectionFailed(this, { kind, connection: this.index, offset, expected, received, message })
  }
}

/** One flood in progress. */
class FloodRun {
  readonly latency = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true })
  /** Round trips in microseconds not yet in `latency`. */
  private readonly roundTrips = new Uint32Array(LATENCY_BATCH)
  private roundTripCount = 0
  readonly pattern = patternBytes()
  readonly progress: FloodProgress = { connected: 0, completed: 0, failed: 0, bytesVerified: 0 }
  readonly connections: Array<Connection> = []
  readonly completionTimes: Array<number> = []
  readonly errors: Record<string, number> = {}
  readonly errorDetails: Array<ErrorDetail> = []
  startedAt = 0
  connectsDoneAt = 0
  bulkStartedAt = 0
  lastVerifiedAt = 0
  private nextToConnect = 0
  private connectsSettled = 0
  private readonly waiting: Array<Connection> = []
  private finishedCount = 0
  private stallTimer: ReturnType<typeof setInterval> | undefined
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined
  private resolve: (() => void) | undefined

  constructor(
    readonly options: FloodOptions,
    readonly transport: Transport["Type"]
  ) {}

  get equalBytes() {
    return this.transport.equalBytes
  }

  /** Keeps one chunk's round trip (milliseconds); the histogram gets it later, in bulk. */
  recordRoundTrip(ms: number): void {
    if (this.roundTripCount === LATENCY_BATCH) this.flushRoundTrips()
    this.roundTrips[this.roundTripCount++] = ms >= 0.0015 ? Math.round(ms * 1000) : 1
  }

  private flushRoundTrips(): void {
    const latency = this.latency
    const roundTrips = this.roundTrips
    for (let i = 0; i < this.roundTripCount; i++) latency.recordValue(roundTrips[i]!)
    this.roundTripCount = 0
  }

  sendTimeRing(): Float64Array {
    return new Float64Array(Math.ceil(this.options.window / this.options.chunk) + 1)
  }

  start(resolve: () => void): void {
    this.resolve = resolve
    this.startedAt = performance.now()
    const stallMs = this.options.stallTimeoutSeconds * 1000
    this.stallTimer = setInterval(() => this.checkStalls(stallMs), Math.min(1000, stallMs / 4))
    this.timeoutTimer = setTimeout(() => this.timeOut(), this.options.timeoutSeconds * 1000)
    const first = Math.min(this.options.connectConcurrency, this.options.connections)
    for (let i = 0; i < first; i++) this.connectNext()
  }

  private connectNext(): void {
    if (this.nextToConnect >= this.options.connections) return
    const connection = new Connection(this.nextToConnect++, this)
    this.connections.push(connection)
    this.transport.connect(
      {
        host: this.options.host,
        port: this.options.port,
        timeoutMs: this.options.connectTimeoutSeconds * 1000,
        noDelay: this.options.noDelay,
        handlers: (socket) => {
          connection.socket = socket
          return connection
        }
      },
      (error) => this.connectSettled(connection, error)
    )
  }

  private connectSettled(connection: Connection, error: TransportError | undefined): void {
    this.connectsSettled++
    if (this.connectsSettled === this.options.connections) this.connectsDoneAt = performance.now()
    if (error !== undefined) {
      connection.fail(errorKindOf(error), 0, `connection ${connection.index}: ${error.message}`)
    } else if (connection.finished) {
      // The flood timed out while this connect was in flight.
      connection.socket?.destroy()
    } else {
      this.progress.connected++
      connection.lastProgress = performance.now()
      if (this.options.barrier) this.waiting.push(connection)
      else connection.pump()
    }
    if (this.options.barrier && this.connectsSettled === this.options.connections) {
      const now = performance.now()
      for (const waiting of this.waiting) {
        if (waiting.finished) continue
        waiting.lastProgress = now
        waiting.pump()
      }
      this.waiting.length = 0
    }
    this.connectNext()
  }

  connectionCompleted(_connection: Connection, now: number): void {
    this.progress.completed++
    this.lastVerifiedAt = now
    this.completionTimes.push((now - this.startedAt) / 1000)
    this.settle()
  }

  connectionFailed(_connection: Connection, detail: ErrorDetail): void {
    this.progress.failed++
    this.errors[detail.kind] = (this.errors[detail.kind] ?? 0) + 1
    if (this.errorDetails.length < MAX_DETAILS) this.errorDetails.push(detail)
    this.settle()
  }

  private settle(): void {
    this.finishedCount++
    if (this.finishedCount === this.options.connections) this.finish()
  }

  private checkStalls(stallMs: number): void {
    const now = performance.now()
    for (const connection of this.connections) {
      if (connection.finished || connection.socket === undefined) continue
      // Connections held back by the barrier are waiting on us, not the server.
      if (this.options.barrier && this.connectsSettled < this.options.connections) continue
      if (now - connection.lastProgress > stallMs) {
        connection.fail(
          "stalled",
          connection.received,
          `connection ${connection.index}: no echo for ${this.options.stallTimeoutSeconds} s after ${connection.received} of ${this.options.bytesPerConnection} bytes (${connection.sent - connection.received} unechoed)`
        )
      }
    }
  }

  private timeOut(): void {
    // Connections never opened are counted as timed out too.
    while (this.nextToConnect < this.options.connections) {
      const connection = new Connection(this.nextToConnect++, this)
      this.connections.push(connection)
      connection.fail(
        "timeout",
        0,
        `connection ${connection.index}: not opened within ${this.options.timeoutSeconds} s`
      )
    }
    for (const connection of this.connections) {
      connection.fail(
        "timeout",
        connection.received,
        `connection ${connection.index}: ${connection.received} of ${this.options.bytesPerConnection} bytes echoed when the ${this.options.timeoutSeconds} s timeout ended the flood`
      )
    }
  }

  finish(): void {
    if (this.stallTimer !== undefined) clearInterval(this.stallTimer)
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer)
    this.stallTimer = undefined
    this.timeoutTimer = undefined
    const resolve = this.resolve
    this.resolve = undefined
    resolve?.()
  }

  abort(): void {
    this.finish()
    for (const connection of this.connections) connection.socket?.destroy()
  }

  report(): FloodReport {
    this.flushRoundTrips()
    const end = this.lastVerifiedAt > 0 ? this.lastVerifiedAt : performance.now()
    const seconds = (end - this.startedAt) / 1000
    const times = this.completionTimes.slice().sort((a, b) => a - b)
    const latency = this.latency
    const ms = (micros: number) => micros / 1000
    return {
      ok: this.progress.completed === this.options.connections,
      runtime: this.transport.runtime.name,
      runtimeVersion: this.transport.runtime.version,
      ...(this.transport.runtime.readPath === undefined ? {} : { readPath: this.transport.runtime.readPath }),
      host: this.options.host,
      port: this.options.port,
      connections: this.options.connections,
      bytesPerConnection: this.options.bytesPerConnection,
      chunk: this.options.chunk,
      window: this.options.window,
      seconds,
      connectSeconds: ((this.connectsDoneAt > 0 ? this.connectsDoneAt : end) - this.startedAt) / 1000,
      bulkSeconds: this.bulkStartedAt > 0 ? Math.max(0, end - this.bulkStartedAt) / 1000 : 0,
      bytesVerified: this.progress.bytesVerified,
      mbPerSecond: seconds > 0 ? this.progress.bytesVerified / seconds / 1e6 : 0,
      connectionsCompleted: this.progress.completed,
      completion: {
        min: times[0] ?? 0,
        p50: times[Math.floor((times.length - 1) / 2)] ?? 0,
        max: times[times.length - 1] ?? 0
      },
      latency: {
        count: latency.totalCount,
        p50: ms(latency.getValueAtPercentile(50)),
        p90: ms(latency.getValueAtPercentile(90)),
        p99: ms(latency.getValueAtPercentile(99)),
        p999: ms(latency.getValueAtPercentile(99.9)),
        max: ms(latency.maxValue)
      },
      errors: { ...this.errors },
      errorDetails: this.errorDetails.slice()
    }
  }
}

/**
 * Runs one flood. It always produces a report: failed connections are in
 * `errors`, and `ok` is true only when every byte of every connection was
 * verified. Interrupting it closes every socket it opened.
 */
export const runFlood = (
  options: FloodOptions,
  onProgress?: (progress: FloodProgress) => void,
  /** Receives what was measured so far when the flood is interrupted (Ctrl-C). */
  onInterrupt?: (partial: FloodReport) => Effect.Effect<void>
): Effect.Effect<FloodReport, never, Transport> =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const run = new FloodRun(options, transport)
    let ticker: ReturnType<typeof setInterval> | undefined
    yield* Effect.async<void>((resume) => {
      if (onProgress !== undefined) ticker = setInterval(() => onProgress(run.progress), 1000)
      run.start(() => resume(Effect.void))
    }).pipe(
      Effect.onInterrupt(() =>
        onInterrupt === undefined ? Effect.void : Effect.suspend(() => onInterrupt(run.report()))
      ),
      Effect.ensuring(
        Effect.sync(() => {
          if (ticker !== undefined) clearInterval(ticker)
          run.abort()
        })
      )
    )
    return run.report()
  })
