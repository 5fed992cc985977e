/**
 * The saturating client as several processes, when one process cannot hold
 * the connections (open-files limit, or the ports of one source address).
 * Each process ramps by itself and waits; the parent sends "start" to all of
 * them only once every one has ramped (the barrier), so the steady state
 * begins together. What the parent hears is merged into what one client
 * would have said: one ramp, one series of ticks, one report.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type { Fairness, SaturationClientReport } from "../engine/SaturationReports.ts"
import type { ChildExit } from "../system/ChildProcess.ts"
import { type Ramped, type Tick, throughputAt } from "./SaturationWorkers.ts"
import type { RunningWorker } from "./WorkerProcess.ts"
import type { WorkerEvent } from "./WorkerProtocol.ts"

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

/** One ramp: the slowest process's time, every count summed, complete only when each was. */
export const mergeRamps = (ramps: ReadonlyArray<Ramped>): Ramped => ({
  _tag: "ramped",
  seconds: Math.max(...ramps.map((r) => r.seconds)),
  connected: sum(ramps.map((r) => r.connected)),
  failed: sum(ramps.map((r) => r.failed)),
  pending: sum(ramps.map((r) => r.pending)),
  complete: ramps.every((r) => r.complete),
  bytesVerified: sum(ramps.map((r) => r.bytesVerified))
})

/**
 * Fairness over every process's connections. Minimum, maximum, starved and
 * never-progressed are exact; p10, the median and the median longest gap are
 * each process's figure weighted by its connections (the processes hold
 * near-equal shares of one server, so their spreads are alike).
 */
export const mergeFairness = (parts: ReadonlyArray<Fairness>, bytesPerSecond: number, window: number): Fairness => {
  const connections = sum(parts.map((f) => f.connections))
  const weighted = (pick: (f: Fairness) => number) =>
    connections === 0 ? 0 : sum(parts.map((f) => pick(f) * f.connections)) / connections
  const starved = sum(parts.map((f) => f.starved))
  return {
    connections,
    minBytesPerSecond: Math.min(...parts.map((f) => f.minBytesPerSecond)),
    p10BytesPerSecond: weighted((f) => f.p10BytesPerSecond),
    medianBytesPerSecond: weighted((f) => f.medianBytesPerSecond),
    maxBytesPerSecond: Math.max(...parts.map((f) => f.maxBytesPerSecond)),
    starved,
    starvedShare: connections === 0 ? 0 : starved / connections,
    starvedAfterSeconds: parts[0]!.starvedAfterSeconds,
    neverProgressed: sum(parts.map((f) => f.neverProgressed)),
    fairCycleSeconds: bytesPerSecond > 0 ? (connections * window) / bytesPerSecond : 0,
    medianLongestGapSeconds: weighted((f) => f.medianLongestGapSeconds),
    maxLongestGapSeconds: Math.max(...parts.map((f) => f.maxLongestGapSeconds))
  }
}

/** One client report from several processes': bytes, connections, errors and CPU summed; times the longest. */
export const mergeClientReports = (reports: ReadonlyArray<SaturationClientReport>): SaturationClientReport => {
  const first = reports[0]!
  if (reports.length === 1) return first
  const steadySeconds = Math.max(...reports.map((r) => r.steady.seconds))
  const steadyBytes = sum(reports.map((r) => r.steady.bytesVerified))
  const errors: Record<string, number> = {}
  for (const r of reports) for (const [kind, n] of Object.entries(r.errors)) errors[kind] = (errors[kind] ?? 0) + n
  return {
    ...first,
    connections: sum(reports.map((r) => r.connections)),
    ramp: (({ _tag, ...ramp }) => ramp)(mergeRamps(reports.map((r) => ({ _tag: "ramped", ...r.ramp })))),
    warmup: {
      seconds: Math.max(...reports.map((r) => r.warmup.seconds)),
      bytesVerified: sum(reports.map((r) => r.warmup.bytesVerified))
    },
    steady: {
      seconds: steadySeconds,
      bytesVerified: steadyBytes,
      mbPerSecond: sum(reports.map((r) => r.steady.mbPerSecond)),
      connectionsFailed: sum(reports.map((r) => r.steady.connectionsFailed)),
      connectionsOpen: sum(reports.map((r) => r.steady.connectionsOpen))
    },
    fairness: mergeFairness(
      reports.map((r) => r.fairness),
      sum(reports.map((r) => r.steady.mbPerSecond)) * 1e6,
      first.window
    ),
    errors,
    errorDetails: reports.flatMap((r) => r.errorDetails).slice(0, 5),
    cpuUserSeconds: sum(reports.map((r) => r.cpuUserSeconds)),
    cpuSystemSeconds: sum(reports.map((r) => r.cpuSystemSeconds)),
    peakRssBytes: Math.max(...reports.map((r) => r.peakRssBytes))
  }
}

/** Verified echo of every process between two wall times, 10^6 bytes per second: each process's ticks, summed. */
export const groupThroughputAt = (series: ReadonlyArray<ReadonlyArray<Tick>>, from: number, to: number): number =>
  sum(series.map((ticks) => throughputAt(ticks, from, to)))

/**
 * Hears several client processes and speaks to `parent` as one: the merged
 * ramp once every process has ramped, a tick (latest figures summed) on each
 * process's tick, the merged report once every process has reported, and
 * any process's failure at once.
 */
export class ClientGroup {
  private readonly ramps: Array<Ramped | undefined>
  private readonly reports: Array<SaturationClientReport | undefined>
  private readonly latest: Array<Tick | undefined>
  /** Every tick of each process, for the exact per-second throughput afterwards. */
  readonly series: Array<Array<Tick>>
  keepTicks = false

  constructor(
    readonly size: number,
    private readonly parent: (event: WorkerEvent) => void
  ) {
    this.ramps = Array.from({ length: size }, () => undefined)
    this.reports = Array.from({ length: size }, () => undefined)
    this.latest = Array.from({ length: size }, () => undefined)
    this.series = Array.from({ length: size }, () => [])
  }

  onClient =
    (index: number) =>
    (event: WorkerEvent): void => {
      if (event._tag === "tick") {
        this.latest[index] = event
        if (this.keepTicks) this.series[index]!.push(event)
        const known = this.latest.filter((t): t is Tick => t !== undefined)
        this.parent({
          _tag: "tick",
          at: event.at,
          bytesVerified: sum(known.map((t) => t.bytesVerified)),
          open: sum(known.map((t) => t.open)),
          failed: sum(known.map((t) => t.failed))
        })
      } else if (event._tag === "ramped") {
        this.ramps[index] = event
        if (this.ramps.every((r) => r !== undefined)) this.parent(mergeRamps(this.ramps as Array<Ramped>))
      } else if (event._tag === "client-result") {
        this.reports[index] = event.report
        if (this.reports.every((r) => r !== undefined)) {
          this.parent({
            _tag: "client-result",
            report: mergeClientReports(this.reports as Array<SaturationClientReport>)
          })
        }
      } else if (event._tag === "failed") {
        this.parent({ _tag: "failed", message: `client process ${index + 1} of ${this.size}: ${event.message}` })
      } else this.parent(event)
    }

  /** The last tick each process sent before the steady state, as the start of its series. */
  startSeries = () => {
    this.latest.forEach((tick, i) => {
      if (tick !== undefined) this.series[i]!.push(tick)
    })
    this.keepTicks = true
  }
}

/**
 * Several running client processes as one worker: commands go to all, and it
 * has exited (with that process's name, pid and output) when the first of them has.
 */
export const groupWorker = (workers: ReadonlyArray<RunningWorker>) =>
  Effect.gen(function* () {
    if (workers.length === 1) return workers[0]!
    const exit = yield* Deferred.make<ChildExit>()
    let ended = workers[0]!
    yield* Effect.forkScoped(
      Effect.raceAll(workers.map((w) => Deferred.await(w.exit).pipe(Effect.map((e) => [w, e] as const)))).pipe(
        Effect.flatMap(([w, e]) => {
          ended = w
          return Deferred.succeed(exit, e)
        })
      )
    )
    const group: RunningWorker = {
      get name() {
        return ended.name
      },
      get pid() {
        return ended.pid
      },
      send: (command) => Effect.forEach(workers, (w) => w.send(command), { discard: true }),
      exit,
      stderrTail: () => ended.stderrTail()
    }
    return group
  })
