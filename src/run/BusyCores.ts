/**
 * How busy the cores are just before a measurement. The machine may be
 * shared: a core already busy means the figures measure the neighbour too,
 * so `compare` refuses (unless `--allow-busy`), `flood` warns and a cell
 * measured anyway is marked noisy.
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { coreLoad, systemSnapshot } from "../system/ProcStat.ts"
import { BUSY_BEFORE } from "./CellSummary.ts"

export interface BusyCore {
  readonly core: number
  /** 0..1 of the look. */
  readonly busy: number
}

/** Each core's busy share over a quiet look; empty when /proc/stat cannot be read. */
export const coresBusy = (cores: ReadonlyArray<number>, look: Duration.DurationInput = "200 millis") =>
  Effect.gen(function* () {
    const before = yield* systemSnapshot
    yield* Effect.sleep(look)
    const after = yield* systemSnapshot
    return cores.flatMap((core): Array<BusyCore> => {
      const load = coreLoad(before, after, core)
      return load === undefined ? [] : [{ core, busy: load.busy }]
    })
  }).pipe(Effect.orElseSucceed((): ReadonlyArray<BusyCore> => []))

/** The cores above the noise threshold, in words ("core 0 35%, core 1 12%"); undefined when none is. */
export const busyWords = (loads: ReadonlyArray<BusyCore>): string | undefined => {
  const busy = loads.filter((l) => l.busy > BUSY_BEFORE)
  return busy.length === 0 ? undefined : busy.map((l) => `core ${l.core} ${(l.busy * 100).toFixed(0)}% busy`).join(", ")
}

/** @category errors */
export class CoresBusy extends Data.TaggedError("CoresBusy")<{ readonly busy: string; readonly seconds: number }> {
  override get message() {
    return `the cores to measure on are busy before the run (${this.busy} over ${this.seconds} s, above ${BUSY_BEFORE * 100}%): another program is running (\`top\` shows which). Stop it, or pass --allow-busy to measure anyway (its cells are marked noisy).`
  }
}

/**
 * Looks at the cores for a second before a run: busy ones stop it with
 * `CoresBusy`, or with `allow` are only named through `warn`.
 */
export const checkCoresQuiet = (
  cores: ReadonlyArray<number>,
  allow: boolean,
  warn: (line: string) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const busy = busyWords(yield* coresBusy([...new Set(cores)], "1 second"))
    if (busy === undefined) return
    if (!allow) return yield* new CoresBusy({ busy, seconds: 1 })
    yield* warn(`warning: ${busy} before the run (--allow-busy): figures will be noisy`)
  })
