/**
 * The server side of a saturation run as one process: when the target runs
 * as several processes sharing its port, CPU ticks, memory (each process has
 * its own, so RSS and peak RSS add up) and context switches are summed over
 * them. None when any of them is gone: the server side is then not whole.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ProcessSnapshot, ProcessSwitches } from "../system/OperatingSystem.ts"
import { processSnapshot } from "../system/ProcStat.ts"
import { processSwitches } from "../system/ThreadSwitches.ts"

/** Every numeric field of two readings added, the first one's pid kept. */
const addReadings = (a: ProcessSnapshot, b: ProcessSnapshot): ProcessSnapshot => {
  const first: Readonly<Record<string, number>> = { ...a }
  const sum: Record<string, number> = { ...a }
  for (const [key, value] of Object.entries(b)) if (key !== "pid") sum[key] = (first[key] ?? 0) + value
  return sum as unknown as ProcessSnapshot
}

export const sideSnapshot = (pids: ReadonlyArray<number>) =>
  Effect.map(Effect.forEach(pids, processSnapshot), (each) =>
    Option.map(Option.all(each), (s) => s.reduce(addReadings))
  )

export const sideSwitches = (pids: ReadonlyArray<number>) =>
  Effect.map(
    Effect.forEach(pids, (pid) => processSwitches(pid)),
    (each) =>
      Option.map(
        Option.all(each),
        (readings): ProcessSwitches =>
          readings.reduce((a, b) => ({
            switches: Option.all([a.switches, b.switches]).pipe(Option.map(([x, y]) => x + y)),
            threads: a.threads + b.threads
          }))
      )
  )
