/**
 * The saturating client: N connections that send their pattern stream
 * without end, each keeping at most `window` bytes unechoed, and verify every
 * echoed byte. Two phases, counted apart (as tcpkali does): the ramp, while
 * connections open (bounded connects in flight) and until the server has
 * echoed on each, and the steady state, from `startSteady` to `stop`. Stream
 * offsets grow without bound; pattern positions wrap modulo the period
 * (PayloadPattern), so any duration verifies the same way.
 *
 * A connection that fails (verification error, reset, close) is recorded and
 * stays counted in the fairness figures with its progress frozen: a server
 * that drops connections under load must not look fairer for it. This
 * file is saturation's policy on the engine (VerifiedStream, ConnectPacer,
 * ErrorLog): streams without end, the phases, and fairness.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { ConnectPacer, type PacerOwner } from "./ConnectPacer.ts"
import { type ErrorDetail, ErrorLog, transportDetail } from "./ErrorKinds.ts"
import type { Fairness, SaturationClientOptions, SaturationClientReport } from "./SaturationReports.ts"
import { DONE, type StreamOwner, VerifiedStream } from "./VerifiedStream.ts"

/** How the ramp ended. */
export interface RampSummary {
  readonly seconds: number
  readonly connected: number
  readonly failed: number
  readonly pending: number
  readonly complete: boolean
  readonly bytesVerified: number
}

/** Live counters, read by the worker's once-a-tick report. */
export interface SaturationProgress {
  /** Connections open now. */
  open: number
  connected: number
  failed: number
  /** Verified echo since the first connect. */
  bytesVerified: number
}

/** A stream that counts in the steady-state fairness figures from `beginSteady`. */
class SaturatingStream extends VerifiedStream {
  counted = false
  steadyBase = 0

  beginSteady(now: number): void {
    this.counted = true
    this.steadyBase = this.received
    this.lastProgress = now
    this.longestGap = 0
  }
}

const percentile = (sorted: ArrayLike<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!

/** No connection served for this long ends the ramp (incomplete): the rest are not coming, or only at the timeout. */
const SERVE_IDLE_MS = 5000

/** One saturation in progress. */
class SaturationRun implements StreamOwner, PacerOwner<SaturatingStream> {
  readonly label = "connection"
  readonly latency = undefined
  readonly total = Number.POSITIVE_INFINITY
  readonly chunk: number
  readonly window: number
  readonly progress: SaturationProgress = { open: 0, connected: 0, failed: 0, bytesVerified: 0 }
  readonly log = new ErrorLog()
  readonly pacer: ConnectPacer<SaturatingStream>
  firstSendAt = 0
  startedAt = 0
  steadyAt = 0
  steadyBytesBase = 0
  steadyFailed = 0
  stopped = false
  ramp: RampSummary | undefined = undefined
  private rampTimer: ReturnType<typeof setTimeout> | undefined
  private servedCheck: ReturnType<typeof setInterval> | undefined
  private released = false
  /** Connections the server has echoed on, and when that count last grew (a server that echoes nothing ends the ramp). */
  private served = 0
  private servedAt = 0

  constructor(
    readonly options: SaturationClientOptions,
    readonly transport: Transport["Type"],
    private readonly onRamped: (ramp: RampSummary) => void
  ) {
    this.chunk = options.chunk
    this.window = options.window
    this.pacer = new ConnectPacer(transport, options, this)
  }

  get connections(): ReadonlyArray<SaturatingStream> {
    return this.pacer.streams
  }

  start(): void {
    this.startedAt = performance.now()
    this.rampTimer = setTimeout(() => this.endRamp(false), this.options.rampTimeoutSeconds * 1000)
    this.pacer.start()
  }

  newStream(index: number): SaturatingStream {
    return new SaturatingStream(index, this)
  }

  connectSettled(stream: SaturatingStream, error: TransportError | undefined): void {
    if (error !== undefined) {
      stream.fail(transportDetail(this.label, stream.index, 0, error))
    } else if (this.stopped || stream.state === DONE) {
      stream.abandon()
    } else {
      this.progress.connected++
      this.progress.open++
      if (this.steadyAt > 0) stream.beginSteady(performance.now())
      if (this.options.sendDuringRamp || this.ramp !== undefined) stream.pump(0)
    }
    if (this.pacer.allSettled && this.ramp === undefined) {
      this.release()
      if (this.servedCheck === undefined) this.servedCheck = setInterval(() => this.endRampWhenServed(), 20)
      this.endRampWhenServed()
    }
  }

  /** Every open connection starts sending (together, unless each already did as it opened). */
  private release(): void {
    if (this.released) return
    this.released = true
    if (this.options.sendDuringRamp) return
    for (const stream of this.connections) {
      if (stream.socket !== undefined && stream.state !== DONE) stream.pump(0)
    }
  }

  /**
   * A settled connect only means the kernel finished the handshake: a busy server can leave hundreds of
   * connections in its accept queue for seconds. The ramp ends once the server has echoed on every open
   * connection, so the steady state never counts queued connections as starved (as the native client does).
   */
  private endRampWhenServed(): void {
    let served = 0
    let waiting = false
    for (const stream of this.connections) {
      if (stream.received > 0) served++
      else if (stream.socket !== undefined && stream.state !== DONE) waiting = true
    }
    const now = performance.now()
    if (served > this.served || this.servedAt === 0) {
      this.served = served
      this.servedAt = now
    }
    if (!waiting) this.endRamp(true)
    else if (now - this.servedAt >= SERVE_IDLE_MS) this.endRamp(false)
  }

  private endRamp(complete: boolean): void {
    if (this.ramp !== undefined) return
    if (this.rampTimer !== undefined) clearTimeout(this.rampTimer)
    if (this.servedCheck !== undefined) clearInterval(this.servedCheck)
    this.rampTimer = undefined
    this.servedCheck = undefined
    this.ramp = this.rampSummary(performance.now(), complete)
    this.release()
    this.onRamped(this.ramp)
  }

  private rampSummary(now: number, complete: boolean): RampSummary {
    return {
      seconds: (now - this.startedAt) / 1000,
      connected: this.progress.connected,
      failed: this.progress.failed,
      pending: this.options.connections - this.pacer.settled,
      complete,
      bytesVerified: this.progress.bytesVerified
    }
  }

  streamClosed(): void {}

  streamFailed(stream: VerifiedStream, detail: ErrorDetail): void {
    if (this.stopped) return
    this.progress.failed++
    if (stream.socket !== undefined && this.progress.open > 0 && detail.kind !== "connect-timeout") {
      this.progress.open--
    }
    if ((stream as SaturatingStream).counted) this.steadyFailed++
    this.log.add(detail)
  }

  startSteady(): void {
    if (this.steadyAt > 0 || this.stopped) return
    const now = performance.now()
    this.steadyAt = now
    this.steadyBytesBase = this.progress.bytesVerified
    for (const stream of this.connections) {
      if (stream.socket !== undefined && stream.state !== DONE) stream.beginSteady(now)
    }
  }

  /** Ends the steady state, closes every connection, and reports. */
  stop(): Omit<SaturationClientReport, "cpuUserSeconds" | "cpuSystemSeconds" | "peakRssBytes"> {
    const end = performance.now()
    const rampBytes = this.steadyAt > 0 ? this.steadyBytesBase : this.progress.bytesVerified
    const rampEnd = this.ramp === undefined ? end : this.startedAt + this.ramp.seconds * 1000
    const steadyFrom = this.steadyAt > 0 ? this.steadyAt : end
    const seconds = (end - steadyFrom) / 1000
    const steadyBytes = this.progress.bytesVerified - rampBytes
    const open = this.progress.open
    const report = {
      runtime: this.transport.runtime.name,
      runtimeVersion: this.transport.runtime.version,
      connections: this.options.connections,
      chunk: this.options.chunk,
      window: this.options.window,
      ramp: this.ramp ?? this.rampSummary(end, false),
      warmup: {
        seconds: Math.max(0, (this.steadyAt > 0 ? this.steadyAt : end) - rampEnd) / 1000,
        bytesVerified: rampBytes - (this.ramp?.bytesVerified ?? rampBytes)
      },
      steady: {
        seconds,
        bytesVerified: steadyBytes,
        mbPerSecond: seconds > 0 ? steadyBytes / seconds / 1e6 : 0,
        connectionsFailed: this.steadyFailed,
        connectionsOpen: open
      },
      fairness: this.fairness(end, seconds),
      ...this.log.snapshot()
    }
    this.abort()
    return report
  }

  private fairness(end: number, seconds: number): Fairness {
    const counted = this.connections.filter((c) => c.counted)
    const rates = new Float64Array(counted.length)
    const gaps = new Float64Array(counted.length)
    const starvedAfterMs = this.options.starvedAfterSeconds * 1000
    let starved = 0
    let never = 0
    for (let i = 0; i < counted.length; i++) {
      const c = counted[i]!
      const bytes = c.received - c.steadyBase
      rates[i] = seconds > 0 ? bytes / seconds : 0
      const gap = Math.max(c.longestGap, end - c.lastProgress)
      gaps[i] = gap / 1000
      if (gap > starvedAfterMs) starved++
      if (bytes === 0) never++
    }
    rates.sort()
    gaps.sort()
    let total = 0
    for (const rate of rates) total += rate
    return {
      connections: counted.length,
      minBytesPerSecond: rates[0] ?? 0,
      p10BytesPerSecond: percentile(rates, 0.1),
      medianBytesPerSecond: percentile(rates, 0.5),
      maxBytesPerSecond: rates[rates.length - 1] ?? 0,
      starved,
      starvedShare: counted.length > 0 ? starved / counted.length : 0,
      starvedAfterSeconds: this.options.starvedAfterSeconds,
      neverProgressed: never,
      fairCycleSeconds: total > 0 ? (counted.length * this.options.window) / total : 0,
      medianLongestGapSeconds: percentile(gaps, 0.5),
      maxLongestGapSeconds: gaps[gaps.length - 1] ?? 0
    }
  }

  abort(): void {
    this.stopped = true
    if (this.rampTimer !== undefined) clearTimeout(this.rampTimer)
    if (this.servedCheck !== undefined) clearInterval(this.servedCheck)
    this.rampTimer = undefined
    this.servedCheck = undefined
    this.pacer.stop()
    for (const stream of this.connections) stream.abandon()
  }
}

/** @category models */
export interface SaturationHandle {
  /** Live counters. */
  readonly progress: SaturationProgress
  /** Completes when every connect has settled and the server has echoed on each, or at the ramp timeout. */
  readonly ramped: Effect.Effect<RampSummary>
  /** Starts the steady state: per-connection and total counters restart from here. */
  readonly startSteady: Effect.Effect<void>
  /** Ends the steady state, closes every connection and reports (the CPU fields are the caller's). */
  readonly stop: Effect.Effect<Omit<SaturationClientReport, "cpuUserSeconds" | "cpuSystemSeconds" | "peakRssBytes">>
}

/**
 * Starts saturating: connections open at once (bounded) and send without
 * end until `stop` or the scope closes, which closes every socket.
 *
 * @category constructors
 */
export const startSaturation = (
  options: SaturationClientOptions
): Effect.Effect<SaturationHandle, never, Transport | Scope.Scope> =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const ramped = yield* Deferred.make<RampSummary>()
    const run = new SaturationRun(options, transport, (ramp) => Deferred.unsafeDone(ramped, Effect.succeed(ramp)))
    yield* Effect.acquireRelease(
      Effect.sync(() => run.start()),
      () => Effect.sync(() => run.abort())
    )
    return {
      progress: run.progress,
      ramped: Deferred.await(ramped),
      startSteady: Effect.sync(() => run.startSteady()),
      stop: Effect.sync(() => run.stop())
    }
  })
