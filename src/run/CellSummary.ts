/**
 * The one summary of a cell: every view (terminal, Markdown, HTML, CSV,
 * charts, run-vs-run) and the copy kept in run.json come from here.
 */
import type { CellSummary, Sample } from "./RunFile.ts"

/** A cell whose repetitions differ more than this is marked noisy. */
export const NOISY_SPREAD = 0.2
/** Below this much measured time, timer and sampling granularity dominate (server CPU reads 0). */
export const SHORT_SECONDS = 0.01
/** A core busier than this just before the cell: something else was running. */
export const BUSY_BEFORE = 0.1

/** Middle value (mean of the two middle ones for an even count); NaN for none. */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The repetitions a summary is made of: not warm-ups, not failed floods. */
export const measuredSamples = (samples: ReadonlyArray<Sample>): Array<Sample> =>
  samples.filter((s) => !s.warmup && s.flood.ok)

/** The measured repetition whose figures a summary shows (see summarizeCell). */
export const fastestSample = (samples: ReadonlyArray<Sample>): Sample | undefined =>
  measuredSamples(samples).reduce<Sample | undefined>(
    (best, s) => (best === undefined || s.flood.seconds < best.flood.seconds ? s : best),
    undefined
  )

/**
 * Summarizes the measured repetitions of a cell: warm-ups and failed floods
 * are left out; undefined when none is left.
 *
 * Times (min, median, max, spread) are over every measured repetition.
 * Everything else is **the fastest repetition's**: its MB/s, its
 * client-bound verdict, and its server figures (CPU seconds, context
 * switches, peak RSS, both cores' busy shares), so one row describes one
 * flood. Peak RSS is per repetition (VmHWM is reset before each flood). A
 * figure the fastest repetition did not record (the server's /proc was
 * unreadable) is NaN, shown as "–" and stored as null, never as 0.
 */
export const summarizeCell = (samples: ReadonlyArray<Sample>): CellSummary | undefined => {
  const measured = measuredSamples(samples)
  const fastest = fastestSample(samples)
  if (fastest === undefined) return undefined
  const times = measured.map((s) => s.flood.seconds)
  const min = Math.min(...times)
  const max = Math.max(...times)
  const server = fastest.server
  return {
    minSeconds: min,
    medianSeconds: median(times),
    maxSeconds: max,
    spread: min > 0 ? (max - min) / min : 0,
    mbPerSecond: fastest.flood.mbPerSecond,
    clientBound: fastest.clientBound,
    serverCpuSeconds: server === undefined ? Number.NaN : server.cpuUserSeconds + server.cpuSystemSeconds,
    serverContextSwitches:
      server === undefined ? Number.NaN : server.voluntaryContextSwitches + server.involuntaryContextSwitches,
    serverPeakRssBytes: server?.peakRssBytes ?? Number.NaN,
    serverCoreBusy: fastest.serverCore?.busy ?? Number.NaN,
    clientCoreBusy: fastest.clientCore?.busy ?? Number.NaN
  }
}
