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

const allOrNone = <A>(options: ReadonlyArray<Option.Option<A>>): Option.Option<ReadonlyArray<A>> => Option.all(options)

export const sideSnapshot = (pids: ReadonlyArray<number>) =>
  Effect.map(Effect.forEach(pids, processSnapshot), (each) =>
    Option.map(
      allOrNone(each),
      (snapshots): ProcessSnapshot =>
        snapshots.reduce((a, b) => ({
          pid: a.pid,
          userTicks: a.userTicks + b.userTicks,
          systemTicks: a.systemTicks + b.systemTicks,
          voluntary: a.voluntary + b.voluntary,
          involuntary: a.involuntary + b.involuntary,
          peakRssBytes: a.peakRssBytes + b.peakRssBytes,
          rssBytes: a.rssBytes + b.rssBytes
        }))
    )
  )

export const sideSwitches = (pids: ReadonlyArray<number>) =>
  Effect.map(
    Effect.forEach(pids, (pid) => processSwitches(pid)),
    (each) =>
      Option.map(
        allOrNone(each),
        (readings): ProcessSwitches =>
          readings.reduce((a, b) => ({
            switches: Option.all([a.switches, b.switches]).pipe(Option.map(([x, y]) => x + y)),
            threads: a.threads + b.threads
          }))
      )
  )
