/**
 * Writes every report of a run folder from its run.json alone: report.md,
 * results.csv, report.html, summary.json and one SVG chart per payload size.
 * Each file is written under a temporary name and renamed into place, so a
 * reader (or a run.json writer racing with us) never sees half a report.
 */
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { loadRun } from "../run/RunStore.ts"
import { writeAtomically } from "../system/AtomicFile.ts"
import { renderTimeCharts } from "./ChartRender.ts"
import { renderComparison } from "./CompareReport.ts"
import { renderCsv } from "./CsvReport.ts"
import { renderHtmlWith } from "./HtmlReport.ts"
import { renderSummaryJson } from "./JsonReport.ts"
import { renderMarkdown } from "./MarkdownReport.ts"
import { renderSaturationCharts, saturationChartFileName } from "./SaturationCharts.ts"
import { renderVersionCharts, renderVersionHtml, renderVersionMarkdown, versionChartName } from "./VersionViews.ts"

/** @category models */
export interface WrittenReports {
  readonly markdown: string
  readonly csv: string
  readonly html: string
  readonly json: string
  readonly charts: ReadonlyArray<string>
}

export const chartFileName = (bytes: number) => `time-${bytes}.svg`

export const writeReports = (runDir: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const run = yield* loadRun(runDir)
    const charts = yield* renderTimeCharts(run)
    const at = (name: string) => path.join(runDir, name)
    const saturationCharts = yield* renderSaturationCharts(run.saturation ?? [])
    const chartPaths = [
      ...(yield* Effect.forEach([...charts], ([bytes, svg]) => writeAtomically(at(chartFileName(bytes)), svg))),
      ...(yield* Effect.forEach([...saturationCharts], ([name, svg]) =>
        writeAtomically(at(saturationChartFileName(name)), svg)
      ))
    ]
    const versions = yield* renderVersionCharts(run)
    chartPaths.push(...(yield* Effect.forEach([...versions], ([name, svg]) => writeAtomically(at(`${name}.svg`), svg))))
    const written: WrittenReports = {
      markdown: yield* writeAtomically(
        at("report.md"),
        renderMarkdown(run, { chartPath: chartFileName }) +
          renderVersionMarkdown(run, (group) => `${versionChartName(group)}.svg`)
      ),
      csv: yield* writeAtomically(at("results.csv"), renderCsv(run)),
      html: yield* writeAtomically(
        at("report.html"),
        renderHtmlWith(run, charts, saturationCharts).replace("</main>", `${renderVersionHtml(run, versions)}</main>`)
      ),
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
    const a = yield* loadRun(dirA)
    const b = yield* loadRun(dirB)
    const markdown = renderComparison(a, b)
    const file = out ?? path.join(dirB, `compare-${path.basename(path.resolve(dirA))}.md`)
    yield* writeAtomically(file, markdown)
    return { path: file, markdown }
  })
