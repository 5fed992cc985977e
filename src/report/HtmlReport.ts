/**
 * report.html: one self-contained file (no external URL). Every chart is
 * rendered to SVG on the server and inlined, so the page reads without
 * script; when the Vega runtime is inlined as well (ReportWriter does), a
 * small script turns each chart into a live view: a tooltip with every
 * figure of a cell, and check boxes that switch targets on and off in every
 * chart at once. Tables are those of report.md, one per payload size.
 */
import * as Effect from "effect/Effect"
import type { RunFile } from "../run/RunFile.ts"
import type { ChartRenderError } from "./ChartRender.ts"
import { type RenderedChart, renderCharts } from "./charts/ChartSet.ts"
import { seriesStyles } from "./charts/Palette.ts"
import { headlineCell, rankOrder } from "./Headline.ts"
import { chartFigure, STYLE } from "./HtmlParts.ts"
import type { Block } from "./ReportBlocks.ts"
import { reportDocument } from "./ReportDocument.ts"
import { type ResultGrid, resultGrid } from "./ResultGrid.ts"
import { renderSaturationCharts, type SaturationChart } from "./SaturationCharts.ts"
import { renderSaturationHtmlWith } from "./SaturationHtml.ts"
import { escapeHtml, htmlTable } from "./Table.ts"

/** Builds the live views and wires the target check boxes; does nothing without the Vega runtime. */
const PAGE_SCRIPT = `
(function () {
  var vega = window.vega;
  if (!vega) return;
  var views = [];
  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var spec = fig.querySelector("script.vega-spec");
    if (!spec) return;
    var box = fig.querySelector(".chart-box");
    try {
      var view = new vega.View(vega.parse(JSON.parse(spec.textContent)), { renderer: "svg", hover: true });
      box.replaceChildren();
      view.initialize(box);
      view.runAsync().then(function () { fig.setAttribute("data-live", "yes"); });
      views.push(view);
    } catch (e) {
      fig.setAttribute("data-live", "failed: " + e);
    }
  });
  var boxes = document.querySelectorAll("fieldset.toggles input[type=checkbox]");
  boxes.forEach(function (input) {
    input.addEventListener("change", function () {
      var hidden = [];
      boxes.forEach(function (b) { if (!b.checked) hidden.push(b.value); });
      views.forEach(function (v) {
        try { v.signal("hidden", hidden).runAsync(); } catch (e) { /* a view without the signal plots no targets */ }
      });
    });
  });
})();
`

const renderBlock = (block: Block, charts: ReadonlyMap<string, RenderedChart>): string => {
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
      const chart = charts.get(block.name)
      return chart === undefined
        ? ""
        : chartFigure(
            chart.name,
            chart.title,
            chart.svg,
            `${chart.title}. Hover a mark for every figure of its cell.`,
            chart.vega
          )
    }
  }
}

/** One check box per target, in rank order, with its chart colour. */
const toggles = (grid: ResultGrid) => {
  const styles = seriesStyles(grid, rankOrder(grid, headlineCell(grid)))
  const boxes = styles
    .map(
      (s) =>
        `<label><input type="checkbox" value="${escapeHtml(s.label)}" checked><span class="swatch" style="background:${s.colour}"></span>${escapeHtml(s.label)}</label>`
    )
    .join("")
  return `<fieldset class="toggles"><legend>Targets shown in the charts (by rank)</legend>${boxes}</fieldset>`
}

/**
 * The page, given the charts already rendered (see `renderCharts`). With
 * `vegaRuntime` (the source of vega.min.js) the charts become live views.
 */
export const renderHtmlWith = (
  run: RunFile,
  charts: ReadonlyArray<RenderedChart>,
  saturationCharts: ReadonlyArray<SaturationChart> = [],
  vegaRuntime?: string
): string => {
  const saturation = run.saturation ?? []
  const grid = resultGrid(run)
  const doc = reportDocument(run)
  const byName = new Map(charts.map((c) => [c.name, c]))
  const toc = doc.sections
    .filter((s) => s.level === 2)
    .map((s) => `<li><a href="#${s.id}">${escapeHtml(s.heading)}</a></li>`)
    .join("")
    .concat(saturation.length > 0 ? `<li><a href="#saturation">Saturation</a></li>` : "")
  const body = doc.sections
    .map(
      (s) =>
        `<section id="${s.id}"><h${s.level}>${escapeHtml(s.heading)}</h${s.level}>\n${s.blocks
          .map((b) => renderBlock(b, byName))
          .join("\n")}</section>`
    )
    .join("\n")
    .concat(saturation.length > 0 ? `\n${renderSaturationHtmlWith(saturation, saturationCharts)}` : "")
  const live = vegaRuntime !== undefined && charts.length + saturationCharts.length > 0
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
${live ? toggles(grid) : ""}
${body}
</main>
${live ? `<script>${vegaRuntime.replace(/<\/script/gi, "<\\/script")}</script>\n<script>${PAGE_SCRIPT}</script>` : ""}
</body>
</html>
`
}

export const renderHtml = (run: RunFile, vegaRuntime?: string): Effect.Effect<string, ChartRenderError> =>
  Effect.all([renderCharts(run), renderSaturationCharts(run.saturation ?? [], resultGrid(run))]).pipe(
    Effect.map(([charts, saturation]) => renderHtmlWith(run, charts, saturation, vegaRuntime))
  )
