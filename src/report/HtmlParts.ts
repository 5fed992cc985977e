/**
 * Pieces of report.html shared by its pages: chart figures, JSON for a
 * script element, and the style (tables sit in a box that scrolls sideways
 * on a narrow screen, so the page itself never does).
 */
import { escapeHtml } from "./Table.ts"

/** JSON inside a `<script>` element: `<` escaped so no string in it can close the element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c")

/**
 * A chart: its server-rendered SVG, and, when given, the compiled Vega spec
 * the page's script turns into a live view (tooltips, targets on and off).
 */
export const chartFigure = (name: string, title: string, svg: string, caption: string, vegaSpec?: unknown) =>
  `<figure class="chart" data-chart="${escapeHtml(name)}" aria-label="${escapeHtml(title)}"><div class="chart-box">${svg}</div>${
    vegaSpec === undefined ? "" : `<script type="application/json" class="vega-spec">${scriptJson(vegaSpec)}</script>`
  }<figcaption>${escapeHtml(caption)}</figcaption></figure>`

export const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
p, li, figcaption { overflow-wrap: anywhere; }
h1 { font-size: 1.6em; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.3em; margin: 36px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1.1em; margin: 28px 0 8px; }
p.status { font-weight: 600; padding: 6px 10px; border-radius: 4px; display: inline-block; }
p.status.complete { background: #e6f4ea; }
p.status.incomplete { background: #fdecea; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.table-wrap, .chart-box { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13.5px; }
th, td { border: 1px solid #d9d9d9; padding: 3px 8px; vertical-align: top; }
th { background: #f3f3f3; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; overflow-wrap: normal; }
td.failed { background: #fdecea; color: #a50e0e; font-weight: 600; }
td.skipped { background: #f1f1f1; color: #555; }
td.pending { background: #fff6d5; color: #6b5300; }
td.clientBound { background: #e8f0fe; }
ul.notes { list-style: none; padding-left: 0; font-size: 13.5px; }
ul.notes .marker { display: inline-block; min-width: 2.2em; font-weight: 600; }
figure.chart { margin: 12px 0; }
figure.chart svg { max-width: none; height: auto; }
figcaption { font-size: 13px; color: #555; }
fieldset.toggles { border: 1px solid #ddd; border-radius: 4px; margin: 12px 0; padding: 6px 10px; font-size: 13.5px; }
fieldset.toggles label { display: inline-flex; align-items: center; gap: 4px; margin: 2px 12px 2px 0; white-space: nowrap; }
fieldset.toggles .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; }
@media (max-width: 600px) { main { padding: 12px 12px 48px; } body { font-size: 14px; } }
`
