/** Pinning the running process itself, for clients that start their own server on the other core. */
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"

/** Pins this process to `cpus` with `taskset -pc` (best effort: taskset may be missing). */
export const pinSelf = (cpus: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    // The first field of /proc/self/stat is the reader's own PID: no runtime API needed.
    const pid = (yield* fs.readFileString("/proc/self/stat")).split(" ")[0]!
    yield* Command.make("taskset", "-pc", cpus, pid).pipe(Command.string)
  }).pipe(Effect.ignore)
