/**
 * Writes every report of a run folder from its run.json alone: report.md,
 * results.csv, report.html, summary.json and one SVG chart per payload size.
 * Each file is written under a temporary name and renamed into place, so a
 * reader (or a run.json writer racing with us) never sees half a report.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RunFile } from "../run/RunFile.ts"
import { renderTimeCharts } from "./ChartRender.ts"
import { renderComparison } from "./CompareReport.ts"
import { renderCsv } from "./CsvReport.ts"
import { renderHtmlWith } from "./HtmlReport.ts"
import { renderSummaryJson } from "./JsonReport.ts"
import { renderMarkdown } from "./MarkdownReport.ts"
import { renderSaturationCharts, saturationChartFileName } from "./SaturationCharts.ts"

/** @category errors */
export class ReportInputError extends Data.TaggedError("ReportInputError")<{
  readonly path: string
  readonly problem: string
}> {
  override get message() {
    return `${this.path}: ${this.problem}`
  }
}

/** @category models */
export interface WrittenReports {
  readonly markdown: string
  readonly csv: string
  readonly html: string
  readonly json: string
  readonly charts: ReadonlyArray<string>
}

export const RUN_FILE = "run.json"

export const chartFileName = (bytes: number) => `time-${bytes}.svg`

/** Reads and checks a run folder's run.json; every failure names the file and what is wrong with it. */
export const readRunFile = (runDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(runDir, RUN_FILE)
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(
        (error) =>
          new ReportInputError({
            path: file,
            problem:
              error._tag === "SystemError" && error.reason === "NotFound"
                ? `not found: is ${runDir} a run folder (runs/<timestamp>_<host>/)?`
                : `cannot be read: ${error.message}`
          })
      )
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => new ReportInputError({ path: file, problem: `is not valid JSON: ${(error as Error).message}` })
    })
    return yield* Schema.decodeUnknown(RunFile)(json, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new ReportInputError({
            path: file,
            problem: `does not match the run.json schema (src/run/RunFile.ts):\n${ParseResult.TreeFormatter.formatErrorSync(error)}`
          })
      )
    )
  })

/** Writes beside the target under a unique temporary name, then renames over it. */
export const writeAtomically = (file: string, content: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const temporary = `${file}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`
    yield* fs.writeFileString(temporary, content)
    yield* fs.rename(temporary, file).pipe(Effect.tapError(() => fs.remove(temporary).pipe(Effect.ignore)))
    return file
  })

export const writeReports = (runDir: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const run = yield* readRunFile(runDir)
    const charts = yield* renderTimeCharts(run)
    const at = (name: string) => path.join(runDir, name)
    const saturationCharts = yield* renderSaturationCharts(run.saturation ?? [])
    const chartPaths = [
      ...(yield* Effect.forEach([...charts], ([bytes, svg]) => writeAtomically(at(chartFileName(bytes)), svg))),
      ...(yield* Effect.forEach([...saturationCharts], ([name, svg]) =>
        writeAtomically(at(saturationChartFileName(name)), svg)
      ))
    ]
    const written: WrittenReports = {
      markdown: yield* writeAtomically(at("report.md"), renderMarkdown(run, { chartPath: chartFileName })),
      csv: yield* writeAtomically(at("results.csv"), renderCsv(run)),
      html: yield* writeAtomically(at("report.html"), renderHtmlWith(run, charts, saturationCharts)),
      json: yield* writeAtomically(at("summary.json"), renderSummaryJson(run)),
      charts: chartPaths
    }
    return written
  })

/**
 * Compares run B (`dirB`) against run A (`dirA`): ratios are B / A. Written
 * to `out`, or by default into B's folder as `compare-<A's folder>.md`.
 */
export const writeComparison = (dirA: string, dirB: string, out?: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const a = yield* readRunFile(dirA)
    const b = yield* readRunFile(dirB)
    const markdown = renderComparison(a, b)
    const file = out ?? path.join(dirB, `compare-${path.basename(path.resolve(dirA))}.md`)
    yield* writeAtomically(file, markdown)
    return { path: file, markdown }
  })
