/**
 * `flood --repetitions K --warmup W`: the same flood W + K times against the
 * same server, the warm-ups not counted, summarized as `compare` summarizes
 * a cell (the fastest repetition's figures, min/median/max time, spread);
 * report/FloodSummary.ts prints them, with the warnings that say when a
 * figure is less sure.
 */
import * as Effect from "effect/Effect"
import type { FloodReport } from "../engine/FloodResult.ts"
import { median } from "./CellSummary.ts"

export interface Repetitions {
  readonly warmup: number
  readonly seconds: ReadonlyArray<number>
  readonly mbPerSecond: ReadonlyArray<number>
  readonly minSeconds: number
  readonly medianSeconds: number
  readonly maxSeconds: number
  /** (max - min) / min, as in a compare cell. */
  readonly spread: number
}

/** What repeating needs of a flood's result. */
export type Timed = Pick<FloodReport, "ok" | "seconds" | "mbPerSecond">

export interface Repeated<T extends Timed = FloodReport> {
  /** The fastest measured repetition, or the first one that failed. */
  readonly result: T
  /** Absent when a repetition failed. */
  readonly repetitions?: Repetitions
}

export const repeatFlood = <T extends Timed, E, R>(
  once: Effect.Effect<T, E, R>,
  count: number,
  warmup: number,
  progress: (line: string) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    for (let i = 1; i <= warmup; i++) {
      const result = yield* once
      if (!result.ok) return { result } satisfies Repeated<T>
      yield* progress(`warm-up ${i}/${warmup}: ${result.seconds.toFixed(3)} s (not counted)`)
    }
    const measured: Array<T> = []
    for (let i = 1; i <= count; i++) {
      const result = yield* once
      if (!result.ok) return { result } satisfies Repeated<T>
      measured.push(result)
      if (count > 1) yield* progress(`repetition ${i}/${count}: ${result.seconds.toFixed(3)} s`)
    }
    const fastest = measured.reduce((best, r) => (r.seconds < best.seconds ? r : best))
    const seconds = measured.map((r) => r.seconds)
    const min = Math.min(...seconds)
    const max = Math.max(...seconds)
    const repetitions: Repetitions = {
      warmup,
      seconds,
      mbPerSecond: measured.map((r) => r.mbPerSecond),
      minSeconds: min,
      medianSeconds: median(seconds),
      maxSeconds: max,
      spread: min > 0 ? (max - min) / min : 0
    }
    return { result: fastest, repetitions } satisfies Repeated<T>
  })
