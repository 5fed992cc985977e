/**
 * Context switches of a whole process. `/proc/<pid>/status` counts the main
 * thread only, so a server whose work runs on other threads (Erlang
 * schedulers, Go's Ms, a thread per connection) would look idle; the
 * process's figure is the sum over `/proc/<pid>/task/<tid>/status`. Reading
 * thousands of files a second would load the core the client runs on, so
 * past `maxThreads` the sum is not taken (system-wide `ctxt` still is).
 */
import * as Effect from "effect/Effect"
import { OperatingSystem } from "./OperatingSystem.ts"

export type { ProcessSwitches } from "./OperatingSystem.ts"

/** A process with more threads than this is not read thread by thread (too many files to read each second). */
export const MOST_THREADS_SUMMED = 512

/** None when the process is gone. */
export const processSwitches = (pid: number, maxThreads = MOST_THREADS_SUMMED) =>
  Effect.flatMap(OperatingSystem, (os) => os.threadSwitches(pid, maxThreads)).pipe(Effect.option)
