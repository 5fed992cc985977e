/**
 * The saturation section of report.html: an HTML fragment (a `<section>`)
 * with the same tables and notes as the Markdown, and both charts as inline
 * SVG. It uses report.html's classes (table-wrap, num, failed, clientBound,
 * chart), so it reads like the rest of the page when inserted into it.
 */
import * as Effect from "effect/Effect"
import type { SaturationResult } from "../run/SaturationResult.ts"
import type { ChartRenderError } from "./ChartRender.ts"
import { chartFigure } from "./HtmlParts.ts"
import { renderSaturationCharts, type SaturationChart, type SaturationChartName } from "./SaturationCharts.ts"
import { saturationDetailTable, saturationIntro, saturationNotes, saturationTable } from "./SaturationMarkdown.ts"
import { escapeHtml, htmlTable } from "./Table.ts"

const captions: Record<SaturationChartName, string> = {
  throughput: "Verified echo MB/s in each second of the steady state.",
  "client-delay": "Round trip of a fresh client (connect, 32 KiB, verified echo) while the server was saturated."
}

const figure = (chart: SaturationChart | undefined) =>
  chart === undefined
    ? ""
    : chartFigure(
        chart.name,
        chart.title,
        chart.svg,
        `${captions[chart.chart]} Hover a mark for its figures.`,
        chart.vega
      )

/** The section, given the charts already rendered (see `renderSaturationCharts`). */
export const renderSaturationHtmlWith = (
  results: ReadonlyArray<SaturationResult>,
  charts: ReadonlyArray<SaturationChart>
): string => {
  const find = (name: SaturationChartName) => charts.find((c) => c.chart === name)
  const notes = saturationNotes(results)
  const body =
    results.length === 0
      ? ""
      : [
          htmlTable(saturationTable(results)),
          figure(find("throughput")),
          figure(find("client-delay")),
          "<h3>Ramp, fairness and probes</h3>",
          htmlTable(saturationDetailTable(results)),
          notes.length === 0 ? "" : `<ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
        ].join("\n")
  return `<section id="saturation"><h2>Saturation</h2>\n<p>${escapeHtml(saturationIntro(results))}</p>\n${body}</section>`
}

/** The section with its charts rendered here. */
export const renderSaturationHtml = (
  results: ReadonlyArray<SaturationResult>
): Effect.Effect<string, ChartRenderError> =>
  renderSaturationCharts(results).pipe(Effect.map((charts) => renderSaturationHtmlWith(results, charts)))
