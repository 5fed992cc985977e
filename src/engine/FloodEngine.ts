/**
 * The flood client: N connections each send X bytes of their pattern and
 * verify every echoed byte, with at most `window` bytes unechoed per
 * connection, then check that the server sends nothing more before its EOF.
 * This file is the flood's policy on the engine (VerifiedStream, ConnectPacer,
 * ErrorLog, LatencyHistogram): the barrier, the stall and overall timeouts,
 * and the report. Effect runs the flood as one interruptible effect; inside,
 * everything is plain callbacks.
 */
import * as Effect from "effect/Effect"
import { patternBytes } from "../protocol/PayloadPattern.ts"
import { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { ConnectPacer, type PacerOwner } from "./ConnectPacer.ts"
import { type ErrorDetail, ErrorLog, transportDetail } from "./ErrorKinds.ts"
import type { FloodOptions } from "./FloodOptions.ts"
import type { FloodReport } from "./FloodResult.ts"
import { LatencyHistogram } from "./LatencyHistogram.ts"
import { DONE, type StreamOwner, VerifiedStream } from "./VerifiedStream.ts"

/** Live counters, readable while a flood runs (progress lines). */
export interface FloodProgress {
  connected: number
  completed: number
  failed: number
  bytesVerified: number
}

/** One flood in progress. */
class FloodRun implements StreamOwner, PacerOwner<VerifiedStream> {
  readonly label = "connection"
  readonly latency = new LatencyHistogram()
  readonly progress: FloodProgress = { connected: 0, completed: 0, failed: 0, bytesVerified: 0 }
  readonly log = new ErrorLog()
  readonly completionTimes: Array<number> = []
  readonly total: number
  readonly chunk: number
  readonly window: number
  readonly pacer: ConnectPacer<VerifiedStream>
  startedAt = 0
  connectsDoneAt = 0
  firstSendAt = 0
  lastVerifiedAt = 0
  lastClosedAt = 0
  private readonly waiting: Array<VerifiedStream> = []
  private released = false
  private releaseTimer: ReturnType<typeof setTimeout> | undefined
  /** Wall clock when the last connect settled (ms since the epoch); 0 until then. */
  private connectedAtMs = 0
  private finishedCount = 0
  private stallTimer: ReturnType<typeof setInterval> | undefined
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined
  private resolve: (() => void) | undefined

  constructor(
    readonly options: FloodOptions,
    readonly transport: Transport["Type"]
  ) {
    this.total = options.bytesPerConnection
    this.chunk = options.chunk
    this.window = options.window
    this.pacer = new ConnectPacer(transport, options, this)
  }

  start(resolve: () => void): void {
    this.resolve = resolve
    // The 2 MiB pattern is built before the clock starts, as the native client builds its own: on Bun, building it
    // inside the flood was 25 ms of a 1000-connection flood's first writes.
    patternBytes()
    this.startedAt = performance.now()
    const stallMs = this.options.stallTimeoutSeconds * 1000
    this.stallTimer = setInterval(() => this.checkStalls(stallMs), Math.min(1000, stallMs / 4))
    this.timeoutTimer = setTimeout(() => this.timeOut(), this.options.timeoutSeconds * 1000)
    this.pacer.start()
  }

  newStream(index: number): VerifiedStream {
    return new VerifiedStream(index, this)
  }

  connectSettled(stream: VerifiedStream, error: TransportError | undefined): void {
    const now = performance.now()
    if (this.pacer.allSettled) this.connectsDoneAt = now
    if (error !== undefined) {
      stream.fail(transportDetail(this.label, stream.index, 0, error))
    } else if (stream.state === DONE) {
      // The flood timed out while this connect was in flight.
      stream.socket?.destroy()
    } else {
      this.progress.connected++
      stream.lastProgress = now
      if (this.options.barrier) this.waiting.push(stream)
      else stream.pump(now)
    }
    if (this.options.barrier && this.pacer.allSettled) {
      this.connectedAtMs = Date.now()
      const wait = this.options.startAtMs === undefined ? 0 : this.options.startAtMs - this.connectedAtMs
      if (wait > 0) this.releaseTimer = setTimeout(() => this.release(performance.now()), wait)
      else this.release(now)
    }
  }

  /** Lets every connection held by the barrier start its payload. */
  private release(now: number): void {
    this.releaseTimer = undefined
    this.released = true
    for (const waiting of this.waiting) {
      if (waiting.state === DONE) continue
      waiting.lastProgress = now
      waiting.pump(now)
    }
    this.waiting.length = 0
  }

  streamClosed(stream: VerifiedStream, now: number): void {
    this.progress.completed++
    if (stream.verifiedAt > this.lastVerifiedAt) this.lastVerifiedAt = stream.verifiedAt
    this.lastClosedAt = now
    this.completionTimes.push((stream.verifiedAt - this.startedAt) / 1000)
    this.settle()
  }

  streamFailed(_stream: VerifiedStream, detail: ErrorDetail): void {
    this.progress.failed++
    this.log.add(detail)
    this.settle()
  }

  private settle(): void {
    this.finishedCount++
    if (this.finishedCount === this.options.connections) this.finish()
  }

  private checkStalls(stallMs: number): void {
    // Connections held back by the barrier are waiting on us, not the server.
    if (this.options.barrier && !this.released) return
    const now = performance.now()
    for (const stream of this.pacer.streams) stream.checkStall(now, stallMs)
  }

  private timeOut(): void {
    const seconds = this.options.timeoutSeconds
    // Connections never opened are counted as timed out too.
    for (const stream of this.pacer.stopUnopened()) stream.failWith("timeout", 0, `not opened within ${seconds} s`)
    for (const stream of this.pacer.streams) {
      stream.failWith(
        "timeout",
        stream.received,
        `${stream.received} of ${this.total} bytes echoed when the ${seconds} s timeout ended the flood`
      )
    }
  }

  finish(): void {
    if (this.stallTimer !== undefined) clearInterval(this.stallTimer)
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer)
    if (this.releaseTimer !== undefined) clearTimeout(this.releaseTimer)
    this.releaseTimer = undefined
    this.stallTimer = undefined
    this.timeoutTimer = undefined
    const resolve = this.resolve
    this.resolve = undefined
    resolve?.()
  }

  abort(): void {
    this.finish()
    this.pacer.stop()
    for (const stream of this.pacer.streams) stream.socket?.destroy()
  }

  report(): FloodReport {
    const end = this.lastVerifiedAt > 0 ? this.lastVerifiedAt : performance.now()
    const seconds = (end - this.startedAt) / 1000
    const times = this.completionTimes.slice().sort((a, b) => a - b)
    return {
      ok: this.progress.completed === this.options.connections,
      runtime: this.transport.runtime.name,
      runtimeVersion: this.transport.runtime.version,
      ...(this.transport.runtime.readPath === undefined ? {} : { readPath: this.transport.runtime.readPath }),
      ...(this.transport.runtime.writePath === undefined ? {} : { writePath: this.transport.runtime.writePath }),
      host: this.options.host,
      port: this.options.port,
      connections: this.options.connections,
      bytesPerConnection: this.total,
      chunk: this.chunk,
      window: this.window,
      seconds,
      connectSeconds: ((this.connectsDoneAt > 0 ? this.connectsDoneAt : end) - this.startedAt) / 1000,
      bulkSeconds: this.firstSendAt > 0 ? Math.max(0, end - this.firstSendAt) / 1000 : 0,
      closeSeconds: this.lastClosedAt > 0 ? Math.max(0, this.lastClosedAt - this.lastVerifiedAt) / 1000 : 0,
      bytesVerified: this.progress.bytesVerified,
      mbPerSecond: seconds > 0 ? this.progress.bytesVerified / seconds / 1e6 : 0,
      connectionsCompleted: this.progress.completed,
      completion: {
        min: times[0] ?? 0,
        p50: times[Math.floor((times.length - 1) / 2)] ?? 0,
        max: times[times.length - 1] ?? 0
      },
      latency: this.latency.percentiles(),
      startedAtMs: performance.timeOrigin + this.startedAt,
      latencyBuckets: this.latency.buckets(),
      ...this.log.snapshot(),
      ...(this.options.startAtMs === undefined
        ? {}
        : { startAt: { atMs: this.options.startAtMs, connectedAtMs: this.connectedAtMs } })
    }
  }
}

/**
 * Runs one flood. It always produces a report: failed connections are in
 * `errors`, and `ok` is true only when every byte of every connection was
 * verified and the server then closed each with nothing more. Interrupting
 * it closes every socket it opened.
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
