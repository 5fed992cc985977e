/**
 * What the parent of a saturation run hears from its two workers (the
 * saturating client's ticks, ramp and report; the probe's readiness and
 * report), and the arithmetic on the client's ticks.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type { ProbeReport, SaturationClientReport } from "../engine/SaturationReports.ts"
import type { WorkerEvent } from "./WorkerProtocol.ts"

export type Tick = Extract<WorkerEvent, { _tag: "tick" }>
export type Ramped = Extract<WorkerEvent, { _tag: "ramped" }>

/** What the parent has heard from its workers so far. */
export class Heard {
  lastTick: Tick | undefined = undefined
  /** Every tick from the start of the steady state on (4 a second). */
  readonly ticks: Array<Tick> = []
  keepTicks = false
  clientFailure: string | undefined = undefined
  probeFailure: string | undefined = undefined
  constructor(
    readonly ramped: Deferred.Deferred<Ramped>,
    readonly probeReady: Deferred.Deferred<void>,
    readonly clientReport: Deferred.Deferred<SaturationClientReport>,
    readonly probeReport: Deferred.Deferred<ProbeReport>,
    readonly clientFailed: Deferred.Deferred<string>,
    readonly probeFailed: Deferred.Deferred<string>
  ) {}

  onClient = (event: WorkerEvent): void => {
    if (event._tag === "tick") {
      this.lastTick = event
      if (this.keepTicks) this.ticks.push(event)
    } else if (event._tag === "ramped") Deferred.unsafeDone(this.ramped, Effect.succeed(event))
    else if (event._tag === "client-result") Deferred.unsafeDone(this.clientReport, Effect.succeed(event.report))
    else if (event._tag === "failed") this.clientFailure = failed(this.clientFailed, event.message)
  }

  onProbe = (event: WorkerEvent): void => {
    if (event._tag === "ready") Deferred.unsafeDone(this.probeReady, Effect.void)
    else if (event._tag === "probe-result") Deferred.unsafeDone(this.probeReport, Effect.succeed(event.report))
    else if (event._tag === "failed") this.probeFailure = failed(this.probeFailed, event.message)
  }
}

/** A worker's failure: its message completes the deferred the run waits on, and is kept for the result. */
const failed = (deferred: Deferred.Deferred<string>, message: string): string => {
  Deferred.unsafeDone(deferred, Effect.succeed(message))
  return message
}

/** Verified bytes at wall time `t`, interpolated between the client's ticks. */
const bytesAt = (ticks: ReadonlyArray<Tick>, t: number): number => {
  if (ticks.length === 0) return 0
  if (t <= ticks[0]!.at) return ticks[0]!.bytesVerified
  for (let k = 1; k < ticks.length; k++) {
    const b = ticks[k]!
    if (t <= b.at) {
      const a = ticks[k - 1]!
      const span = b.at - a.at
      return span <= 0 ? b.bytesVerified : a.bytesVerified + ((b.bytesVerified - a.bytesVerified) * (t - a.at)) / span
    }
  }
  return ticks[ticks.length - 1]!.bytesVerified
}

/** Verified echo between two wall times, 10^6 bytes per second. */
export const throughputAt = (ticks: ReadonlyArray<Tick>, from: number, to: number): number =>
  to > from ? Math.max(0, bytesAt(ticks, to) - bytesAt(ticks, from)) / ((to - from) / 1000) / 1e6 : 0

/** Throughput over the last few seconds of ticks received, for progress lines. */
export const recentRate = (ticks: ReadonlyArray<Tick>): number => {
  const last = ticks[ticks.length - 1]
  if (last === undefined) return 0
  const earlier = ticks.find((t) => t.at >= last.at - 5000) ?? last
  return last.at > earlier.at ? (last.bytesVerified - earlier.bytesVerified) / (last.at - earlier.at) / 1000 : 0
}

export const longestTickGapMs = (ticks: ReadonlyArray<Tick>) => {
  let longest = 0
  for (let k = 1; k < ticks.length; k++) longest = Math.max(longest, ticks[k]!.at - ticks[k - 1]!.at)
  return longest
}
