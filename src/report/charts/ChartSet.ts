/** Every chart of a run rendered to SVG, with the spec kept for the live HTML view. */
import * as Effect from "effect/Effect"
import { compile } from "vega-lite"
import type { RunFile } from "../../run/RunFile.ts"
import { type ChartRenderError, renderSvg } from "../ChartRender.ts"
import { resultGrid } from "../ResultGrid.ts"
import { floodCharts, type NamedChart } from "./FloodCharts.ts"

export interface RenderedChart extends NamedChart {
  readonly svg: string
  /** The spec compiled to Vega, for report.html's live view. */
  readonly vega: unknown
}

/** File name of a chart's SVG beside report.md. */
export const chartFile = (name: string) => `${name}.svg`

export const renderCharts = (run: RunFile): Effect.Effect<ReadonlyArray<RenderedChart>, ChartRenderError> =>
  Effect.forEach(floodCharts(resultGrid(run)), (chart) =>
    renderSvg(chart.spec, chart.name).pipe(Effect.map((svg) => ({ ...chart, svg, vega: compile(chart.spec).spec })))
  )
