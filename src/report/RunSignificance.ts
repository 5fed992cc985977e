/**
 * Whether run B's repetitions of a cell differ from run A's by more than
 * chance: Welch's two-sample t-test (from @stdlib/stats-ttest2) on the log
 * of each measured repetition's seconds, so the test is about the ratio, as
 * the report's B/A figures are. Fewer than two repetitions on a side cannot
 * be tested.
 */
import ttest2 from "@stdlib/stats-ttest2"
import type { Sample } from "../run/RunFile.ts"

/** Below this p-value a difference is called significant. */
export const ALPHA = 0.05

/** Seconds of every measured (not warm-up), verified repetition. */
export const repetitionSeconds = (samples: ReadonlyArray<Sample>): ReadonlyArray<number> =>
  samples.filter((s) => !s.warmup && s.flood.ok && s.flood.seconds > 0).map((s) => s.flood.seconds)

/**
 * The two-sided p-value of "A's and B's times have the same mean log", or
 * undefined when a side has fewer than two repetitions. Two sides without
 * any variance are equal (p = 1) or certainly different (p = 0).
 */
export const timePValue = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number | undefined => {
  if (a.length < 2 || b.length < 2) return undefined
  const la = a.map(Math.log)
  const lb = b.map(Math.log)
  const constant = (xs: ReadonlyArray<number>) => xs.every((x) => x === xs[0])
  if (constant(la) && constant(lb)) return la[0] === lb[0] ? 1 : 0
  const p = ttest2([...lb], [...la], { alpha: ALPHA }).pValue
  return Number.isFinite(p) ? p : undefined
}

export const isSignificant = (p: number | undefined) => p !== undefined && p < ALPHA
