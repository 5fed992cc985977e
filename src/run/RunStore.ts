/**
 * Reads and writes `runs/<id>/run.json`. Writes go to a temporary file that
 * is renamed over the old one, so a crash mid-write never leaves a torn file.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RunFile } from "./RunFile.ts"

/** Relative, so runs go under the folder the command runs in (the repository for `npm run`). */
export const runsDir = "runs"

/** @category errors */
export class RunFileUnreadable extends Data.TaggedError("RunFileUnreadable")<{
  readonly path: string
  readonly problem: string
}> {
  override get message() {
    return `${this.path}: ${this.problem}`
  }
}

/** `2026-11-26T14-30-05Z_host`: sortable, and safe in a path. */
export const newRunId = (host: string, now: Date = new Date()) =>
  `${now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-")}_${host.replace(/[^A-Za-z0-9.-]/g, "_")}`

const encode = Schema.encode(Schema.parseJson(RunFile, { space: 2 }))
const decode = Schema.decodeUnknown(Schema.parseJson(RunFile))

export const writeAtomically = (path: string, text: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const temp = `${path}.tmp-${Math.random().toString(36).slice(2)}`
    yield* fs.writeFileString(temp, text)
    yield* fs.rename(temp, path)
  })

export const saveRun = (dir: string, run: RunFile) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.makeDirectory(dir, { recursive: true })
    const text = yield* encode({ ...run, updatedAt: new Date().toISOString() }).pipe(Effect.orDie)
    yield* writeAtomically(`${dir}/run.json`, `${text}\n`)
  })

export const loadRun = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = `${dir.replace(/\/$/, "")}/run.json`
    const text = yield* fs
      .readFileString(path)
      .pipe(
        Effect.mapError(() => new RunFileUnreadable({ path, problem: "not found (is this a run folder under runs/?)" }))
      )
    return yield* decode(text).pipe(
      Effect.mapError((error) => new RunFileUnreadable({ path, problem: `not a valid run.json: ${error.message}` }))
    )
  })
