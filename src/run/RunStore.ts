/**
 * The one store of `runs/<id>/run.json`: every writer and reader of the file
 * goes through here. Writes are atomic (see AtomicFile.ts), so a crash
 * mid-write never leaves a torn file; a file that cannot be used is named
 * with its first problem, in a line or two.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { writeAtomically } from "../system/AtomicFile.ts"
import { RunFile } from "./RunFile.ts"

/** Relative, so runs go under the folder the command runs in (the repository for `npm run`). */
export const runsDir = "runs"

export const RUN_FILE = "run.json"

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
const decode = Schema.decodeUnknown(RunFile)

const runFilePath = (dir: string) => `${dir.replace(/\/$/, "")}/${RUN_FILE}`

/** Writes the run (with `updatedAt` set to now) to `<dir>/run.json`, creating the folder. */
export const saveRun = (dir: string, run: RunFile) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.makeDirectory(dir, { recursive: true })
    const text = yield* encode({ ...run, updatedAt: new Date().toISOString() }).pipe(Effect.orDie)
    yield* writeAtomically(runFilePath(dir), `${text}\n`)
  })

/**
 * `at ["cells"][3]["status"]: Expected "ok" | "failed" | "skipped" | "pending", actual "done"`: the first
 * problem, with a union's alternatives (reported one issue each) joined.
 */
export const firstProblem = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  if (first === undefined) return error.message
  const key = JSON.stringify(first.path)
  const here = issues.filter((i) => JSON.stringify(i.path) === key)
  const expected = here.flatMap((i) => /^Expected (.+), actual (.+)$/s.exec(i.message.split("\n")[0]!) ?? [])
  const message =
    here.length > 1 && expected.length === here.length * 3
      ? `Expected ${[...new Set(here.map((i) => /^Expected (.+), actual/.exec(i.message)![1]))].join(" | ")}, actual ${/, actual (.+)$/.exec(here[0]!.message.split("\n")[0]!)![1]}`
      : first.message.split("\n")[0]
  const where = first.path.length === 0 ? "" : `at ${first.path.map((p) => `[${JSON.stringify(p)}]`).join("")}: `
  const others = issues.length - (expected.length === here.length * 3 ? here.length : 1)
  const more = others > 0 ? ` (and ${others} more problem${others > 1 ? "s" : ""})` : ""
  return `${where}${message}${more}`
}

/** Reads and checks `<dir>/run.json`; every failure names the file and its first problem. */
export const loadRun = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = runFilePath(dir)
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError(
        (error) =>
          new RunFileUnreadable({
            path,
            problem:
              error._tag === "SystemError" && error.reason === "NotFound"
                ? `not found: is ${dir} a run folder (runs/<timestamp>_<host>/)?`
                : `cannot be read: ${error.message}`
          })
      )
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) =>
        new RunFileUnreadable({
          path,
          problem: `is not valid JSON (${error instanceof Error ? error.message : error}). It is written whole after every cell, so it was changed since: restore it from a copy, or start a new run (\`npm run compare\`)`
        })
    })
    return yield* decode(json, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new RunFileUnreadable({
            path,
            problem: `does not match the run.json schema (src/run/RunFile.ts) ${firstProblem(error)}. Correct that field, or use the echoflood commit that wrote it (environment.gitCommit in the file)`
          })
      )
    )
  })
