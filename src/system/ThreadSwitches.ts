/**
 * Context switches of a whole process. `/proc/<pid>/status` counts the main
 * thread only, so a server whose work runs on other threads (Erlang
 * schedulers, Go's Ms, a thread per connection) would look idle; the
 * process's figure is the sum over `/proc/<pid>/task/<tid>/status`. Reading
 * thousands of files a second would load the core the client runs on, so
 * past `maxThreads` the sum is not taken (system-wide `ctxt` still is).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export interface ProcessSwitches {
  /** Voluntary + involuntary, summed over threads; none past `maxThreads`. */
  readonly switches: Option.Option<number>
  readonly threads: number
}

const field = (status: string, name: string) => {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)
  return match === null ? 0 : Number(match[1])
}

/** None when the process is gone. */
export const processSwitches = (pid: number, maxThreads = 512) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const tasks = yield* fs.readDirectory(`/proc/${pid}/task`)
    if (tasks.length > maxThreads) return { switches: Option.none(), threads: tasks.length } satisfies ProcessSwitches
    let sum = 0
    for (const tid of tasks) {
      // A thread may exit between the listing and the read: it simply no longer counts.
      const status = yield* fs.readFileString(`/proc/${pid}/task/${tid}/status`).pipe(Effect.orElseSucceed(() => ""))
      sum += field(status, "voluntary_ctxt_switches") + field(status, "nonvoluntary_ctxt_switches")
    }
    return { switches: Option.some(sum), threads: tasks.length } satisfies ProcessSwitches
  }).pipe(Effect.option)
