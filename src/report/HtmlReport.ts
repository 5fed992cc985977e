/**
 * report.html: one self-contained page (no script, no external URL) with the
 * charts rendered to SVG on the server and inlined, and the same tables,
 * marks and reasons as report.md. Each chart sits in a `data-chart="time-<bytes>"`
 * figure; its legend names every target it plots.
 */
import * as Effect from "effect/Effect"
import type { RunFile } from "../run/RunFile.ts"
import { type ChartRenderError, renderTimeCharts } from "./ChartRender.ts"
import { formatSize } from "./NumberFormat.ts"
import { type Block, reportDocument } from "./ReportDocument.ts"
import { type ResultGrid, resultGrid } from "./ResultGrid.ts"
import type { SaturationChartName } from "./SaturationCharts.ts"
import { renderSaturationHtmlWith } from "./SaturationHtml.ts"
import { escapeHtml, htmlTable } from "./Table.ts"

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 36px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1.1em; margin: 28px 0 8px; }
p.status { font-weight: 600; padding: 6px 10px; border-radius: 4px; display: inline-block; }
p.status.complete { background: #e6f4ea; }
p.status.incomplete { background: #fdecea; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13.5px; }
th, td { border: 1px solid #d9d9d9; padding: 3px 8px; vertical-align: top; }
th { background: #f3f3f3; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.failed { background: #fdecea; color: #a50e0e; font-weight: 600; }
td.skipped { background: #f1f1f1; color: #555; }
td.pending { background: #fff6d5; color: #6b5300; }
td.clientBound { background: #e8f0fe; }
ul.notes { list-style: none; padding-left: 0; font-size: 13.5px; }
ul.notes .marker { display: inline-block; min-width: 2.2em; font-weight: 600; }
figure.chart { margin: 12px 0; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #555; }
`

const renderChart = (grid: ResultGrid, bytes: number, title: string, svg: string) => {
  const plotted = new Set(
    grid.cells
      .filter((c) => c.bytesPerConnection === bytes && c.status === "ok" && c.summary !== undefined)
      .map((c) => c.target.name)
  )
  const absent = grid.targets.filter((t) => !plotted.has(t.name)).map((t) => grid.label(t.name))
  const series = grid.targets.filter((t) => plotted.has(t.name)).map((t) => grid.label(t.name))
  const caption = [
    `Series: ${series.length > 0 ? series.join(", ") : "none"}.`,
    absent.length > 0 ? ` No finished cell at ${formatSize(bytes)}: ${absent.join(", ")} (see the table).` : ""
  ].join("")
  return `<figure class="chart" data-chart="time-${bytes}" aria-label="${escapeHtml(title)}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`
}

const renderBlock = (grid: ResultGrid, block: Block, charts: ReadonlyMap<number, string>): string => {
  switch (block._tag) {
    case "Paragraph":
      return `<p>${escapeHtml(block.text)}</p>`
    case "Table":
      return htmlTable(block.table)
    case "Notes":
      return `<ul class="notes">${block.notes
        .map((n) => `<li><span class="marker">${escapeHtml(n.marker)}</span> ${escapeHtml(n.text)}</li>`)
        .join("")}</ul>`
    case "List":
      return `<ul>${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`
    case "Chart": {
      const svg = charts.get(block.bytes)
      return svg === undefined ? "" : renderChart(grid, block.bytes, block.title, svg)
    }
  }
}

/** The page, given the charts already rendered (see `renderTimeCharts`), keyed by payload size. */
export const renderHtmlWith = (
  run: RunFile,
  charts: ReadonlyMap<number, string>,
  saturationCharts: ReadonlyMap<SaturationChartName, string> = new Map()
): string => {
  const saturation = run.saturation ?? []
  const grid = resultGrid(run)
  const doc = reportDocument(run)
  const toc = doc.sections
    .filter((s) => s.level === 2)
    .map((s) => `<li><a href="#${s.id}">${escapeHtml(s.heading)}</a></li>`)
    .join("")
    .concat(saturation.length > 0 ? `<li><a href="#saturation">Saturation</a></li>` : "")
  const body = doc.sections
    .map(
      (s) =>
        `<section id="${s.id}"><h${s.level}>${escapeHtml(s.heading)}</h${s.level}>\n${s.blocks
          .map((b) => renderBlock(grid, b, charts))
          .join("\n")}</section>`
    )
    .join("\n")
    .concat(saturation.length > 0 ? `\n${renderSaturationHtmlWith(saturation, saturationCharts)}` : "")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(doc.title)}</h1>
<p class="status ${doc.complete ? "complete" : "incomplete"}">${escapeHtml(doc.status)}</p>
<nav><ul>${toc}</ul></nav>
${body}
</main>
</body>
</html>
`
}

export const renderHtml = (run: RunFile): Effect.Effect<string, ChartRenderError> =>
  renderTimeCharts(run).pipe(Effect.map((charts) => renderHtmlWith(run, charts)))
