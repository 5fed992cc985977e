/**
 * The client-delay probe: what a newcomer waits for while the server is
 * saturated. On its own open-loop schedule (every `intervalMs`) it opens a
 * fresh connection, sends `bytes` of pattern, waits until every byte is
 * echoed and verified, and disconnects. A probe starts on schedule even when
 * earlier ones are still waiting (up to `maxOutstanding`), so a server that
 * stalls cannot hide its stalls by holding the probe back; each probe is cut
 * off at `timeoutMs`. Connect time and round trip go into HdrHistograms
 * (microseconds, reported in milliseconds).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as hdr from "hdr-histogram-js"
import { expectedView } from "../protocol/PayloadPattern.ts"
import { verify } from "../protocol/Verifier.ts"
import type { ProbeOptions } from "../run/SaturationOptions.ts"
import type { Percentiles, ProbeReport } from "../run/SaturationResult.ts"
import type { Socket, SocketHandlers } from "../transport/Transport.ts"
import { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { errorKindOf } from "./FloodResult.ts"

const MAX_DETAILS = 5

/** Keeps the probe's connection indices (pattern offsets) apart from the saturating client's. */
const PROBE_INDEX_BASE = 1 << 20

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true })

const micros = (ms: number) => Math.max(1, Math.round(ms * 1000))

const percentiles = (h: hdr.Histogram): Percentiles => ({
  count: h.totalCount,
  p50: h.totalCount === 0 ? 0 : h.getValueAtPercentile(50) / 1000,
  p90: h.totalCount === 0 ? 0 : h.getValueAtPercentile(90) / 1000,
  p99: h.totalCount === 0 ? 0 : h.getValueAtPercentile(99) / 1000,
  p999: h.totalCount === 0 ? 0 : h.getValueAtPercentile(99.9) / 1000,
  max: h.totalCount === 0 ? 0 : h.maxValue / 1000
})

class ProbeConnection implements SocketHandlers {
  socket: Socket | undefined = undefined
  connected = false
  received = 0
  settled = false
  timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(
    readonly index: number,
    readonly startedAt: number,
    readonly run: ProbeRun
  ) {}

  onData = (bytes: Uint8Array): void => {
    if (this.settled) return
    const total = this.run.options.bytes
    const usable = Math.min(bytes.length, total - this.received)
    const mismatch = verify(
      this.run.transport.equalBytes,
      this.index,
      this.received,
      usable === bytes.length ? bytes : bytes.subarray(0, usable)
    )
    if (mismatch !== undefined) {
      this.fail(mismatch.kind, `probe ${this.index}: ${mismatch.kind} at offset ${mismatch.offset}`)
      return
    }
    if (usable < bytes.length) {
      this.fail("excess", `probe ${this.index}: ${bytes.length - usable} byte(s) echoed beyond the ${total} sent`)
      return
    }
    this.received += usable
    if (this.received === total) this.complete()
  }

  onDrain = (): void => {}

  onEnd = (): void => {
    this.fail("truncated", `probe ${this.index}: the server closed it after ${this.received} bytes`)
  }

  onError = (error: TransportError): void => {
    this.fail(errorKindOf(error), `probe ${this.index}: ${error.message}`)
  }

  onClose = (): void => {
    this.fail("truncated", `probe ${this.index}: closed after ${this.received} bytes`)
  }

  connectedNow(socket: Socket | undefined): void {
    if (this.settled) {
      socket?.destroy()
      return
    }
    this.connected = true
    this.run.connect.recordValue(micros(performance.now() - this.startedAt))
    this.socket?.write(expectedView(this.index, 0, this.run.options.bytes))
  }

  private settle(): void {
    this.settled = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.socket?.destroy()
    this.run.settled(this)
  }

  complete(): void {
    if (this.settled) return
    this.run.roundTrip.recordValue(micros(performance.now() - this.startedAt))
    this.run.completed++
    this.settle()
  }

  timeOut = (): void => {
    if (this.settled) return
    const timeout = micros(this.run.options.timeoutMs)
    if (!this.connected) this.run.connect.recordValue(timeout)
    this.run.roundTrip.recordValue(timeout)
    this.run.timedOut++
    this.settle()
  }

  fail(kind: string, message: string): void {
    if (this.settled) return
    this.run.failed++
    this.run.errors[kind] = (this.run.errors[kind] ?? 0) + 1
    if (this.run.errorDetails.length < MAX_DETAILS) this.run.errorDetails.push(message)
    this.settle()
  }
}

class ProbeRun {
  readonly connect = histogram()
  readonly roundTrip = histogram()
  readonly errors: Record<string, number> = {}
  readonly errorDetails: Array<string> = []
  readonly live = new Set<ProbeConnection>()
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
  ) {}

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
    const probe = new ProbeConnection(index, now, this)
    this.live.add(probe)
    probe.timer = setTimeout(probe.timeOut, this.options.timeoutMs)
    this.transport.connect(
      {
        host: this.options.host,
        port: this.options.port,
        // Our own timer cuts the probe first; the adapter's only cleans up the pending socket.
        timeoutMs: this.options.timeoutMs + 1000,
        noDelay: true,
        handlers: (socket) => {
          probe.socket = socket
          return probe
        }
      },
      (error, socket) => {
        if (error !== undefined) {
          if (error._tag === "ConnectTimeout") probe.timeOut()
          else probe.fail(errorKindOf(error), `probe ${index}: ${error.message}`)
        } else {
          probe.connectedNow(socket)
        }
      }
    )
  }

  settled(probe: ProbeConnection): void {
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
      probe.settled = true
      if (probe.timer !== undefined) clearTimeout(probe.timer)
      probe.socket?.destroy()
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
      connect: percentiles(this.connect),
      roundTrip: percentiles(this.roundTrip),
      scheduleLagMaxMs: this.scheduleLagMax,
      errors: { ...this.errors },
      errorDetails: this.errorDetails.slice()
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
