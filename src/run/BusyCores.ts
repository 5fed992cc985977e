/**
 * How busy the cores are just before a measurement. The machine may be
 * shared: a core already busy means the figures measure the neighbour too,
 * so `compare` refuses (unless `--allow-busy`), `flood` warns and a cell
 * measured anyway is marked noisy.
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { OperatingSystem, type OperatingSystemService } from "../system/OperatingSystem.ts"
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

/**
 * How busy both sides' cores were over a short quiet look before a cell (the
 * machine may be shared); the server's cores on its own host when it runs over SSH.
 */
const busyBefore = (
  serverCores: ReadonlyArray<number>,
  clientCores: ReadonlyArray<number>,
  serverSystem: OperatingSystemService | undefined
) =>
  Effect.map(
    serverSystem === undefined
      ? coresBusy([...new Set([...serverCores, ...clientCores])]).pipe(Effect.map((loads) => [loads, loads] as const))
      : Effect.all(
          [coresBusy(serverCores).pipe(Effect.provideService(OperatingSystem, serverSystem)), coresBusy(clientCores)],
          { concurrency: 2 }
        ),
    ([serverLoads, clientLoads]) => {
      // A side of several cores is as busy as their mean.
      const side = (loads: typeof serverLoads, cores: ReadonlyArray<number>) => {
        const mine = loads.filter((l) => cores.includes(l.core))
        return mine.length === cores.length ? mine.reduce((sum, l) => sum + l.busy, 0) / mine.length : undefined
      }
      const server = side(serverLoads, serverCores)
      const client = side(clientLoads, clientCores)
      return server === undefined || client === undefined ? undefined : { server, client }
    }
  )

/**
 * The previous cell's teardown (closing thousands of sockets, a server's GC
 * after it) can keep a core busy for a moment: look again, for up to a
 * second, before calling the cell's start busy.
 */
const SETTLE_LOOKS = 5

export const busyBeforeCell = (...args: Parameters<typeof busyBefore>) =>
  Effect.gen(function* () {
    let look = yield* busyBefore(...args)
    for (let i = 1; i < SETTLE_LOOKS && look !== undefined && Math.max(look.server, look.client) > BUSY_BEFORE; i++) {
      look = yield* busyBefore(...args)
    }
    return look
  })
