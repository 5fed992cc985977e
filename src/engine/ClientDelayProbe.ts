/**
 * The client-delay probe: what a newcomer waits for while the server is
 * saturated. On its own open-loop schedule (every `intervalMs`) it opens a
 * fresh connection, sends `bytes` of pattern, waits until every byte is
 * echoed and verified, and disconnects. A probe starts on schedule even when
 * earlier ones are still waiting (up to `maxOutstanding`), so a server that
 * stalls cannot hide its stalls by holding the probe back; each probe is cut
 * off at `timeoutMs`, including its wait for the server's EOF. Connect time
 * and round trip (connect started → last byte verified) go into latency
 * histograms. This file is the probe's policy on the engine (VerifiedStream,
 * ErrorLog, LatencyHistogram).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Transport } from "../transport/Transport.ts"
import { type ErrorDetail, ErrorLog, transportDetail } from "./ErrorKinds.ts"
import { LatencyHistogram } from "./LatencyHistogram.ts"
import type { ProbeOptions, ProbeReport } from "./SaturationReports.ts"
import { connectStream, DONE, type StreamOwner, VerifiedStream } from "./VerifiedStream.ts"

/** Keeps the probe's connection indices (pattern offsets) apart from the saturating client's. */
const PROBE_INDEX_BASE = 1 << 20

/** One probe: a stream of `bytes`, sent in one write, on a connection of its own. */
class ProbeStream extends VerifiedStream {
  connected = false
  timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(
    index: number,
    readonly run: ProbeRun,
    readonly startedAt: number
  ) {
    super(index, run)
  }
}

class ProbeRun implements StreamOwner {
  readonly label = "probe"
  readonly latency = undefined
  readonly progress = { bytesVerified: 0 }
  readonly total: number
  readonly chunk: number
  readonly window: number
  readonly connect = new LatencyHistogram()
  readonly roundTrip = new LatencyHistogram()
  readonly log = new ErrorLog()
  readonly live = new Set<ProbeStream>()
  firstSendAt = 0
  scheduled = 0
  skipped = 0
  completed = 0
  timedOut = 0
  failed = 0
  scheduleLagMax = 0
  startedAt = 0
  lastScheduledAt = 0
  private nextAt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopping = false
  private drained: (() => void) | undefined

  constructor(
    readonly options: ProbeOptions,
    readonly transport: Transport["Type"]
  ) {
    // A probe is one write of its whole stream: one chunk, and the window holds all of it.
    this.total = this.chunk = this.window = options.bytes
  }

  start(): void {
    if (this.startedAt > 0) return
    this.startedAt = performance.now()
    this.nextAt = this.startedAt
    this.tick()
  }

  private tick = (): void => {
    this.timer = undefined
    if (this.stopping) return
    const now = performance.now()
    // Catch up on every slot that is due: the schedule never waits for the server, nor for us.
    while (this.nextAt <= now) {
      this.launch(this.nextAt, now)
      this.nextAt += this.options.intervalMs
    }
    this.timer = setTimeout(this.tick, Math.max(0, this.nextAt - performance.now()))
  }

  private launch(scheduledAt: number, now: number): void {
    const index = PROBE_INDEX_BASE + this.scheduled
    this.scheduled++
    this.lastScheduledAt = scheduledAt
    if (now - scheduledAt > this.scheduleLagMax) this.scheduleLagMax = now - scheduledAt
    if (this.live.size >= this.options.maxOutstanding) {
      this.skipped++
      return
    }
    const probe = new ProbeStream(index, this, now)
    this.live.add(probe)
    probe.timer = setTimeout(() => this.timeOut(probe), this.options.timeoutMs)
    const target = { host: this.options.host, port: this.options.port, noDelay: true }
    // Our own timer cuts the probe first; the adapter's only cleans up the pending socket.
    connectStream(this.transport, target, this.options.timeoutMs + 1000, probe, (error) => {
      if (error !== undefined) {
        if (error._tag === "ConnectTimeout") this.timeOut(probe)
        else probe.fail(transportDetail(this.label, index, 0, error))
      } else if (probe.state === DONE) {
        probe.socket?.destroy()
      } else {
        const connectedAt = performance.now()
        probe.connected = true
        this.connect.recordMillis(connectedAt - probe.startedAt)
        probe.pump(connectedAt)
      }
    })
  }

  streamClosed(stream: VerifiedStream): void {
    const probe = stream as ProbeStream
    this.roundTrip.recordMillis(probe.verifiedAt - probe.startedAt)
    this.completed++
    this.settle(probe)
  }

  streamFailed(stream: VerifiedStream, detail: ErrorDetail): void {
    this.failed++
    this.log.add(detail)
    this.settle(stream as ProbeStream)
  }

  private timeOut(probe: ProbeStream): void {
    if (probe.state === DONE) return
    if (!probe.connected) this.connect.recordMillis(this.options.timeoutMs)
    this.roundTrip.recordMillis(this.options.timeoutMs)
    this.timedOut++
    probe.abandon()
    this.settle(probe)
  }

  private settle(probe: ProbeStream): void {
    if (probe.timer !== undefined) clearTimeout(probe.timer)
    probe.timer = undefined
    this.live.delete(probe)
    if (this.stopping && this.live.size === 0) this.drained?.()
  }

  /** Stops scheduling; `onDrained` runs once every started probe has settled (each within its timeout). */
  stop(onDrained: () => void): void {
    this.stopping = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.live.size === 0) onDrained()
    else this.drained = onDrained
  }

  abort(): void {
    this.stopping = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    for (const probe of this.live) {
      if (probe.timer !== undefined) clearTimeout(probe.timer)
      probe.abandon()
    }
    this.live.clear()
  }

  report(): ProbeReport {
    return {
      runtime: this.transport.runtime.name,
      runtimeVersion: this.transport.runtime.version,
      intervalMs: this.options.intervalMs,
      timeoutMs: this.options.timeoutMs,
      maxOutstanding: this.options.maxOutstanding,
      bytes: this.options.bytes,
      seconds: this.startedAt > 0 ? (this.lastScheduledAt - this.startedAt) / 1000 : 0,
      scheduled: this.scheduled,
      skipped: this.skipped,
      completed: this.completed,
      timedOut: this.timedOut,
      failed: this.failed,
      connect: this.connect.percentiles(),
      roundTrip: this.roundTrip.percentiles(),
      scheduleLagMaxMs: this.scheduleLagMax,
      errors: { ...this.log.counts },
      errorDetails: this.log.details.map((detail) => detail.message)
    }
  }
}

/** @category models */
export interface ProbeHandle {
  /** Starts the schedule (once). */
  readonly start: Effect.Effect<void>
  /** Stops scheduling, waits for the probes still out (bounded by their timeout), and reports. */
  readonly stop: Effect.Effect<ProbeReport>
}

/**
 * Prepares a probe; nothing connects before `start`. Closing the scope
 * closes every probe still out.
 *
 * @category constructors
 */
export const makeProbe = (options: ProbeOptions): Effect.Effect<ProbeHandle, never, Transport | Scope.Scope> =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const run = new ProbeRun(options, transport)
    yield* Effect.addFinalizer(() => Effect.sync(() => run.abort()))
    const stop = Effect.gen(function* () {
      const drained = yield* Deferred.make<void>()
      yield* Effect.sync(() => run.stop(() => Deferred.unsafeDone(drained, Effect.void)))
      // Every probe settles within its timeout; the margin covers a busy event loop.
      yield* Deferred.await(drained).pipe(Effect.timeout(options.timeoutMs + 2000), Effect.ignore)
      run.abort()
      return run.report()
    })
    return { start: Effect.sync(() => run.start()), stop }
  })
