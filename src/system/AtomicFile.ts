/**
 * Whole-file writes that a reader (or a crash) never sees half done: the text
 * goes to a unique temporary name beside the file, which is then renamed over
 * it (rename is atomic within a file system).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"

/** Writes `content` to `file` atomically and returns `file`. */
export const writeAtomically = (file: string, content: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const temporary = `${file}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`
    yield* fs.writeFileString(temporary, content)
    yield* fs.rename(temporary, file).pipe(Effect.tapError(() => fs.remove(temporary).pipe(Effect.ignore)))
    return file
  })
