/**
 * The saturating client: N connections that send their pattern stream
 * without end, each keeping at most `window` bytes unechoed, and verify every
 * echoed byte. Two phases, counted apart (as tcpkali does): the ramp, while
 * connections open (bounded connects in flight; each starts sending as soon
 * as it is open), and the steady state, from `startSteady` to `stop`. Stream
 * offsets grow without bound; pattern positions wrap modulo the period
 * (PayloadPattern), so any duration verifies the same way.
 *
 * A connection that fails (verification error, reset, close) is recorded and
 * stays counted in the fairness figures with its progress frozen: a server
 * that drops connections under load must not look fairer for it. The
 * per-chunk path is plain callbacks over the transport touching fields of
 * one `SaturatingConnection`; no Effect is built per chunk.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { expectedView } from "../protocol/PayloadPattern.ts"
import { verify } from "../protocol/Verifier.ts"
import type { SaturationClientOptions } from "../run/SaturationOptions.ts"
import type { Fairness, SaturationClientReport } from "../run/SaturationResult.ts"
import type { Socket, SocketHandlers } from "../transport/Transport.ts"
import { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { type ErrorDetail, type ErrorKind, errorKindOf } from "./FloodResult.ts"

const MAX_DETAILS = 5

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

/** One connection; everything the hot path touches is a field here. */
class SaturatingConnection implements SocketHandlers {
  socket: Socket | undefined = undefined
  sent = 0
  received = 0
  writable = true
  /** Failed or stopped: ignore whatever the socket still reports. */
  closed = false
  /** Counted in the steady-state fairness figures. */
  counted = false
  steadyBase = 0
  lastProgress = 0
  longestGap = 0

  constructor(
    readonly index: number,
    readonly run: SaturationRun
  ) {}

  pump(): void {
    const socket = this.socket!
    const chunk = this.run.options.chunk
    const window = this.run.options.window
    while (this.writable && this.sent - this.received + chunk <= window) {
      const view = expectedView(this.index, this.sent, chunk)
      this.sent += chunk
      this.writable = socket.write(view)
    }
  }

  onData = (bytes: Uint8Array): void => {
    if (this.closed) return
    const run = this.run
    const before = this.received
    const usable = Math.min(bytes.length, this.sent - before)
    const mismatch = verify(
      run.transport.equalBytes,
      this.index,
      before,
      usable === bytes.length ? bytes : bytes.subarray(0, usable)
    )
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
      this.fail(
        "excess",
        before + usable,
        `connection ${this.index}: ${bytes.length - usable} byte(s) echoed beyond the ${this.sent} sent`,
        undefined,
        bytes[usable]
      )
      return
    }
    this.received = before + usable
    run.progress.bytesVerified += usable
    if (run.steadyAt > 0) {
      const now = performance.now()
      const gap = now - this.lastProgress
      if (gap > this.longestGap) this.longestGap = gap
      this.lastProgress = now
    }
    this.pump()
  }

  onDrain = (): void => {
    this.writable = true
    if (!this.closed) this.pump()
  }

  onEnd = (): void => {
    this.fail("truncated", this.received, `connection ${this.index}: the server closed it after ${this.received} bytes`)
  }

  onError = (error: TransportError): void => {
    this.fail(errorKindOf(error), this.received, `connection ${this.index}: ${error.message}`)
  }

  onClose = (): void => {
    this.fail("truncated", this.received, `connection ${this.index}: closed after ${this.received} bytes`)
  }

  /** Steady state begins now for this connection. */
  beginSteady(now: number): void {
    this.counted = true
    this.steadyBase = this.received
    this.lastProgress = now
    this.longestGap = 0
  }

  fail(kind: ErrorKind, offset: number, message: string, expected?: number, received?: number): void {
    if (this.closed) return
    this.closed = true
    this.socket?.destroy()
    this.run.connectionFailed(this, { kind, connection: this.index, offset, expected, received, message })
  }
}

const percentile = (sorted: ArrayLike<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!

/** One saturation in progress. */
class SaturationRun {
  readonly progress: SaturationProgress = { open: 0, connected: 0, failed: 0, bytesVerified: 0 }
  readonly connections: Array<SaturatingConnection> = []
  readonly errors: Record<string, number> = {}
  readonly errorDetails: Array<ErrorDetail> = []
  startedAt = 0
  steadyAt = 0
  steadyBytesBase = 0
  steadyFailed = 0
  stopped = false
  ramp: RampSummary | undefined = undefined
  private nextToConnect = 0
  private connectsSettled = 0
  private rampTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly options: SaturationClientOptions,
    readonly transport: Transport["Type"],
    private readonly onRamped: (ramp: RampSummary) => void
  ) {}

  start(): void {
    this.startedAt = performance.now()
    this.rampTimer = setTimeout(() => this.endRamp(false), this.options.rampTimeoutSeconds * 1000)
    const first = Math.min(this.options.connectConcurrency, this.options.connections)
    for (let i = 0; i < first; i++) this.connectNext()
  }

  private connectNext(): void {
    if (this.stopped || this.nextToConnect >= this.options.connections) return
    const connection = new SaturatingConnection(this.nextToConnect++, this)
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

  private connectSettled(connection: SaturatingConnection, error: TransportError | undefined): void {
    this.connectsSettled++
    if (error !== undefined) {
      connection.fail(errorKindOf(error), 0, `connection ${connection.index}: ${error.message}`)
    } else if (this.stopped || connection.closed) {
      connection.closed = true
      connection.socket?.destroy()
    } else {
      this.progress.connected++
      this.progress.open++
      if (this.steadyAt > 0) connection.beginSteady(performance.now())
      if (this.options.sendDuringRamp || this.ramp !== undefined) connection.pump()
    }
    if (this.connectsSettled === this.options.connections) this.endRamp(true)
    this.connectNext()
  }

  private endRamp(complete: boolean): void {
    if (this.ramp !== undefined) return
    if (this.rampTimer !== undefined) clearTimeout(this.rampTimer)
    this.rampTimer = undefined
    this.ramp = {
      seconds: (performance.now() - this.startedAt) / 1000,
      connected: this.progress.connected,
      failed: this.progress.failed,
      pending: this.options.connections - this.connectsSettled,
      complete,
      bytesVerified: this.progress.bytesVerified
    }
    if (!this.options.sendDuringRamp) {
      for (const connection of this.connections) {
        if (connection.socket !== undefined && !connection.closed) connection.pump()
      }
    }
    this.onRamped(this.ramp)
  }

  connectionFailed(connection: SaturatingConnection, detail: ErrorDetail): void {
    if (this.stopped) return
    this.progress.failed++
    if (connection.socket !== undefined && this.progress.open > 0 && detail.kind !== "connect-timeout") {
      this.progress.open--
    }
    if (connection.counted) this.steadyFailed++
    this.errors[detail.kind] = (this.errors[detail.kind] ?? 0) + 1
    if (this.errorDetails.length < MAX_DETAILS) this.errorDetails.push(detail)
  }

  startSteady(): void {
    if (this.steadyAt > 0 || this.stopped) return
    const now = performance.now()
    this.steadyAt = now
    this.steadyBytesBase = this.progress.bytesVerified
    for (const connection of this.connections) {
      if (connection.socket !== undefined && !connection.closed) connection.beginSteady(now)
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
      ramp: this.ramp ?? {
        seconds: (end - this.startedAt) / 1000,
        connected: this.progress.connected,
        failed: this.progress.failed,
        pending: this.options.connections - this.connectsSettled,
        complete: false,
        bytesVerified: this.progress.bytesVerified
      },
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
      errors: { ...this.errors },
      errorDetails: this.errorDetails.slice()
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
    this.rampTimer = undefined
    for (const connection of this.connections) {
      connection.closed = true
      connection.socket?.destroy()
    }
  }
}

/** @category models */
export interface SaturationHandle {
  /** Live counters. */
  readonly progress: SaturationProgress
  /** Completes when every connect has settled, or when the ramp timeout ends the ramp. */
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
