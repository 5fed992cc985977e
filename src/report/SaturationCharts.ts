/**
 * Vega-Lite specs of the saturation results: echo throughput second by
 * second per target (does a server hold its rate, sag or stall?), and the
 * client-delay percentiles per target (log scale: a stalled server's seconds
 * and a quick one's milliseconds on one chart). Rendered to SVG with the
 * same headless Vega as the flood charts (ChartRender.ts), live in
 * report.html like them. Each target keeps the label, colour, marker and
 * dash of its flood charts (charts/Palette.ts); legends list targets by
 * their saturation rank: those that held up first, then by echoed MB/s.
 */
import * as Effect from "effect/Effect"
import { compile, type TopLevelSpec } from "vega-lite"
import type { SaturationResult } from "../run/SaturationResult.ts"
import { type ChartRenderError, renderSvg } from "./ChartRender.ts"
import { CHART_CONFIG, HIDDEN_PARAM, notHidden } from "./charts/ChartData.ts"
import type { RenderedChart } from "./charts/ChartSet.ts"
import { type SeriesStyle, seriesEncodings, stylesOf } from "./charts/Palette.ts"
import type { ResultGrid } from "./ResultGrid.ts"

export type SaturationChartName = "throughput" | "client-delay"

export const saturationChartNames: ReadonlyArray<SaturationChartName> = ["throughput", "client-delay"]

/** File name of a saturation chart beside the reports. */
export const saturationChartFileName = (chart: SaturationChartName) => `saturation-${chart}.svg`

/** A rendered saturation chart: its SVG, and its Vega spec for the live view. */
export interface SaturationChart extends RenderedChart {
  readonly chart: SaturationChartName
}

const STATUS_RANK: Record<SaturationResult["status"], number> = { ok: 0, stalled: 1, "server-exited": 2, failed: 3 }

/** Targets that held up first, then by mean echoed MB/s over the steady state. */
export const saturationRank = (results: ReadonlyArray<SaturationResult>): ReadonlyArray<SaturationResult> => {
  const rate = (r: SaturationResult) => (r.steady.mbPerSecond.count > 0 ? r.steady.mbPerSecond.mean : -1)
  return [...results].sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || rate(b) - rate(a))
}

/** How the charts name and draw each target. */
export interface SaturationPalette {
  readonly label: (target: string) => string
  /** The saturated targets', in saturation rank order. */
  readonly styles: ReadonlyArray<SeriesStyle>
}

/**
 * With the run's flood grid, each target keeps the label, colour and marker
 * of its flood charts; without one (saturation only), its place in the results.
 */
export const saturationPalette = (results: ReadonlyArray<SaturationResult>, grid?: ResultGrid): SaturationPalette => {
  const label = (target: string) => grid?.label(target) ?? target
  const runOrder = grid === undefined ? [] : grid.targets.map((t) => grid.label(t.name))
  const saturated = results.map((r) => label(r.target))
  const extra = saturated.filter((l) => !runOrder.includes(l))
  const ranked = saturationRank(results).map((r) => label(r.target))
  return { label, styles: stylesOf([...runOrder, ...extra], ranked).filter((s) => saturated.includes(s.label)) }
}

/** A line per target with its marker at each point, hidden targets filtered out. */
const lineLayers = (
  x: object,
  y: object,
  encodings: ReturnType<typeof seriesEncodings>,
  pointSize: number,
  tooltip: ReadonlyArray<object>
) => ({
  transform: [notHidden],
  layer: [
    {
      mark: { type: "line", strokeWidth: 2 },
      encoding: { x, y, color: encodings.color, strokeDash: encodings.strokeDash }
    },
    {
      mark: { type: "point", filled: true, size: pointSize, opacity: 1 },
      encoding: { x, y, color: encodings.color, shape: encodings.shape, tooltip }
    }
  ]
})

const base = (palette: SaturationPalette, plotted: ReadonlyArray<SaturationResult>) => {
  const labels = palette.styles.map((s) => s.label).filter((l) => plotted.some((r) => palette.label(r.target) === l))
  return {
    labels,
    encodings: seriesEncodings(palette.styles, labels),
    frame: { $schema: SCHEMA, background: "white", config: CHART_CONFIG, params: [HIDDEN_PARAM] }
  }
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

const titles: Record<SaturationChartName, string> = {
  throughput: "Echo throughput under saturation",
  "client-delay": "Client delay under saturation"
}

/** Verified echo MB/s at each second of the steady state, one line per target. */
export const throughputChartSpec = (
  results: ReadonlyArray<SaturationResult>,
  palette: SaturationPalette = saturationPalette(results)
): TopLevelSpec => {
  const plotted = results.filter((r) => r.samples.length > 0)
  const { labels, encodings, frame } = base(palette, plotted)
  const values = plotted.flatMap((r) =>
    r.samples.map((s) => ({
      target: palette.label(r.target),
      second: s.second,
      mbPerSecond: Math.round(s.mbPerSecond * 10) / 10,
      serverCoreBusy: s.serverCore === undefined ? null : Math.round(s.serverCore.busy * 100),
      clientCoreBusy: s.clientCore === undefined ? null : Math.round(s.clientCore.busy * 100)
    }))
  )
  const connections = results[0]?.settings.connections
  const x = { field: "second", type: "quantitative", title: "seconds into the steady state", axis: { grid: true } }
  const y = { field: "mbPerSecond", type: "quantitative", title: "MB/s (10^6 bytes/s)", scale: { zero: true } }
  return {
    ...frame,
    title: {
      text: titles.throughput,
      subtitle: `${connections ?? "?"} connections, verified echo per one-second sample; a line that drops to 0 is a stall`
    },
    description: `Verified echo MB/s per second of the steady state, one line per target: ${labels.join(", ")}.`,
    width: 640,
    height: 320,
    data: { values },
    ...lineLayers(x, y, encodings, 40, [
      { field: "target", type: "nominal" },
      { field: "second", type: "quantitative", title: "s" },
      { field: "mbPerSecond", type: "quantitative", title: "MB/s" },
      { field: "serverCoreBusy", type: "quantitative", title: "server core busy %" },
      { field: "clientCoreBusy", type: "quantitative", title: "client core busy %" }
    ])
  } as TopLevelSpec
}

const PERCENTILES = [
  ["p50", "p50"],
  ["p90", "p90"],
  ["p99", "p99"],
  ["p999", "p99.9"],
  ["max", "max"]
] as const

/** Round-trip percentiles of the client-delay probe, one line per target, log scale. */
export const clientDelayChartSpec = (
  results: ReadonlyArray<SaturationResult>,
  palette: SaturationPalette = saturationPalette(results)
): TopLevelSpec => {
  const plotted = results.filter((r) => r.probe !== undefined && r.probe.roundTrip.count > 0)
  const { labels, encodings, frame } = base(palette, plotted)
  const values = plotted.flatMap((r) =>
    PERCENTILES.map(([key, label]) => ({
      target: palette.label(r.target),
      percentile: label,
      // A log scale cannot show 0; anything under a microsecond is drawn at one.
      ms: Math.max(0.001, r.probe!.roundTrip[key]),
      timedOut: r.probe!.timedOut,
      probes: r.probe!.scheduled
    }))
  )
  const timeout = results[0]?.settings.probeTimeoutMs
  const x = {
    field: "percentile",
    type: "ordinal",
    title: "percentile",
    sort: PERCENTILES.map(([, label]) => label),
    axis: { labelAngle: 0 }
  }
  const y = {
    field: "ms",
    type: "quantitative",
    title: "round trip, ms (log)",
    scale: { type: "log" },
    axis: { format: "~g", grid: true }
  }
  return {
    ...frame,
    title: {
      text: titles["client-delay"],
      subtitle: `fresh connection, 32 KiB echoed and verified; lower is better; a timed-out probe counts as the timeout${timeout === undefined ? "" : ` (${timeout} ms)`}`
    },
    description: `Client-delay round-trip percentiles in milliseconds, one line per target: ${labels.join(", ")}.`,
    width: 480,
    height: 320,
    data: { values },
    ...lineLayers(x, y, encodings, 60, [
      { field: "target", type: "nominal" },
      { field: "percentile", type: "ordinal" },
      { field: "ms", type: "quantitative", title: "ms", format: ".3~g" },
      { field: "timedOut", type: "quantitative", title: "timed out" },
      { field: "probes", type: "quantitative", title: "probes" }
    ])
  } as TopLevelSpec
}

/**
 * Each chart that has something to plot (no throughput chart without
 * samples, no delay chart without a probe report), rendered to SVG with its
 * Vega spec kept for report.html's live view. `grid`: the run's flood
 * results, whose labels and styles the charts take over.
 */
export const renderSaturationCharts = (
  results: ReadonlyArray<SaturationResult>,
  grid?: ResultGrid
): Effect.Effect<ReadonlyArray<SaturationChart>, ChartRenderError> => {
  const palette = saturationPalette(results, grid)
  const specs: ReadonlyArray<readonly [SaturationChartName, boolean, () => TopLevelSpec]> = [
    ["throughput", results.some((r) => r.samples.length > 0), () => throughputChartSpec(results, palette)],
    [
      "client-delay",
      results.some((r) => r.probe !== undefined && r.probe.roundTrip.count > 0),
      () => clientDelayChartSpec(results, palette)
    ]
  ]
  return Effect.forEach(
    specs.filter(([, has]) => has),
    ([chart, , make]) => {
      const spec = make()
      const name = `saturation-${chart}`
      return renderSvg(spec, name).pipe(
        Effect.map((svg) => ({ chart, name, title: titles[chart], spec, svg, vega: compile(spec).spec }))
      )
    }
  )
}
