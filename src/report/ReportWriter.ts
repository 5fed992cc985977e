/**
 * Writes every report of a run folder from its run.json alone: report.md,
 * results.csv, report.html, summary.json and one SVG chart per payload size.
 * Each file is written under a temporary name and renamed into place, so a
 * reader (or a run.json writer racing with us) never sees half a report.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { loadRun } from "../run/RunStore.ts"
import { writeAtomically } from "../system/AtomicFile.ts"
import { compareRuns, renderComparison } from "./CompareReport.ts"
import { renderCsv } from "./CsvReport.ts"
import { chartFile, renderCharts } from "./charts/ChartSet.ts"
import { renderHtmlWith } from "./HtmlReport.ts"
import { renderSummaryJson } from "./JsonReport.ts"
import { jsonSchemas } from "./JsonSchemas.ts"
import { renderMarkdown } from "./MarkdownReport.ts"
import { resultGrid } from "./ResultGrid.ts"
import { renderSaturationCharts } from "./SaturationCharts.ts"
import { renderSaturationCsv } from "./SaturationCsv.ts"
import { renderVersionCharts, renderVersionHtml, renderVersionMarkdown, versionChartName } from "./VersionViews.ts"

/** @category models */
export interface WrittenReports {
  readonly markdown: string
  readonly csv: string
  readonly html: string
  readonly json: string
  /** saturation.csv, when the run had a saturation phase. */
  readonly saturationCsv: string | undefined
  readonly charts: ReadonlyArray<string>
}

/**
 * The Vega runtime report.html inlines to make its charts live; without it
 * (a copy of the repository without node_modules) the page keeps static SVGs.
 */
export const vegaRuntime = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const file = yield* path.fromFileUrl(new URL("../../node_modules/vega/build/vega.min.js", import.meta.url))
  return yield* fs.readFileString(file)
}).pipe(
  Effect.tapError((e) =>
    Effect.logWarning(`report.html gets static charts: the Vega runtime was not found (${e.message})`)
  ),
  Effect.option,
  Effect.map((o) => (o._tag === "Some" ? o.value : undefined))
)

export const writeReports = (runDir: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const run = yield* loadRun(runDir)
    const charts = yield* renderCharts(run)
    const at = (name: string) => path.join(runDir, name)
    const saturationCharts = yield* renderSaturationCharts(run.saturation ?? [], resultGrid(run))
    const chartPaths = yield* Effect.forEach([...charts, ...saturationCharts], (c) =>
      writeAtomically(at(chartFile(c.name)), c.svg)
    )
    const versions = yield* renderVersionCharts(run)
    chartPaths.push(...(yield* Effect.forEach([...versions], ([name, svg]) => writeAtomically(at(`${name}.svg`), svg))))
    const written: WrittenReports = {
      markdown: yield* writeAtomically(
        at("report.md"),
        renderMarkdown(run, { chartPath: chartFile }) +
          renderVersionMarkdown(run, (group) => `${versionChartName(group)}.svg`)
      ),
      csv: yield* writeAtomically(at("results.csv"), renderCsv(run)),
      html: yield* writeAtomically(
        at("report.html"),
        renderHtmlWith(run, charts, saturationCharts, yield* vegaRuntime).replace(
          "</main>",
          `${renderVersionHtml(run, versions)}</main>`
        )
      ),
      json: yield* writeAtomically(at("summary.json"), renderSummaryJson(run)),
      saturationCsv:
        (run.saturation ?? []).length > 0
          ? yield* writeAtomically(at("saturation.csv"), renderSaturationCsv(run.saturation ?? []))
          : undefined,
      charts: chartPaths
    }
    return written
  })

/** Writes run.schema.json and summary.schema.json into `dir`; returns their paths. */
export const writeJsonSchemas = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(dir, { recursive: true })
    return yield* Effect.forEach(jsonSchemas(), ({ file, text }) => writeAtomically(path.join(dir, file), text))
  })

/**
 * Compares run B (`dirB`) against run A (`dirA`): ratios are B / A. Written
 * to `out`, or by default into B's folder as `compare-<A's folder>.md`.
 */
export const writeComparison = (dirA: string, dirB: string, out?: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const a = yield* loadRun(dirA)
    const b = yield* loadRun(dirB)
    const markdown = renderComparison(a, b)
    const file = out ?? path.join(dirB, `compare-${path.basename(path.resolve(dirA))}.md`)
    yield* writeAtomically(file, markdown)
    return { path: file, markdown, comparison: compareRuns(a, b) }
  })
