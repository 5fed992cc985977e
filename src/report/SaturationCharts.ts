/**
 * Vega-Lite specs of the saturation results: echo throughput second by
 * second per target (does a server hold its rate, sag or stall?), and the
 * client-delay percentiles per target (log scale: a stalled server's seconds
 * and a quick one's milliseconds on one chart). Rendered to SVG with the
 * same headless Vega as the flood charts (ChartRender.ts).
 */
import * as Effect from "effect/Effect"
import type { TopLevelSpec } from "vega-lite"
import type { SaturationResult } from "../run/SaturationResult.ts"
import { type ChartRenderError, renderSvg } from "./ChartRender.ts"

export type SaturationChartName = "throughput" | "client-delay"

export const saturationChartNames: ReadonlyArray<SaturationChartName> = ["throughput", "client-delay"]

/** File name of a saturation chart beside the reports. */
export const saturationChartFileName = (chart: SaturationChartName) => `saturation-${chart}.svg`

// Tableau 10, then Tableau 20 past ten targets, as the flood charts do.
const tableau10 = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac"
]
const tableau20 = [
  "#4c78a8",
  "#9ecae9",
  "#f58518",
  "#ffbf79",
  "#54a24b",
  "#88d27a",
  "#b79a20",
  "#f2cf5b",
  "#439894",
  "#83bcb6",
  "#e45756",
  "#ff9d98",
  "#79706e",
  "#bab0ac",
  "#d67195",
  "#fcbfd2",
  "#b279a2",
  "#d6a5c9",
  "#9e765f",
  "#d8b5a5"
]

const colour = (targets: ReadonlyArray<string>) => {
  const palette = targets.length <= tableau10.length ? tableau10 : tableau20
  return { domain: [...targets], range: targets.map((_, i) => palette[i % palette.length]!) }
}

const config = {
  legend: { labelLimit: 0, titleLimit: 0, labelFontSize: 12, titleFontSize: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 15, subtitleFontSize: 12 }
} as const

/** Verified echo MB/s at each second of the steady state, one line per target. */
export const throughputChartSpec = (results: ReadonlyArray<SaturationResult>): TopLevelSpec => {
  const plotted = results.filter((r) => r.samples.length > 0)
  const targets = plotted.map((r) => r.target)
  const values = plotted.flatMap((r) =>
    r.samples.map((s) => ({
      target: r.target,
      second: s.second,
      mbPerSecond: Math.round(s.mbPerSecond * 10) / 10,
      serverCoreBusy: s.serverCore === undefined ? null : Math.round(s.serverCore.busy * 100),
      clientCoreBusy: s.clientCore === undefined ? null : Math.round(s.clientCore.busy * 100)
    }))
  )
  const connections = results[0]?.settings.connections
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Echo throughput under saturation",
      subtitle: `${connections ?? "?"} connections, verified echo per one-second sample; a line that drops to 0 is a stall`,
      anchor: "start"
    },
    description: `Verified echo MB/s per second of the steady state, one line per target: ${targets.join(", ")}.`,
    width: 640,
    height: 320,
    background: "white",
    config,
    data: { values },
    mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 30 } },
    encoding: {
      x: { field: "second", type: "quantitative", title: "seconds into the steady state", axis: { grid: true } },
      y: { field: "mbPerSecond", type: "quantitative", title: "MB/s (10^6 bytes/s)", scale: { zero: true } },
      color: { field: "target", type: "nominal", title: "target", scale: colour(targets) },
      tooltip: [
        { field: "target", type: "nominal" },
        { field: "second", type: "quantitative", title: "s" },
        { field: "mbPerSecond", type: "quantitative", title: "MB/s" },
        { field: "serverCoreBusy", type: "quantitative", title: "server core busy %" },
        { field: "clientCoreBusy", type: "quantitative", title: "client core busy %" }
      ]
    }
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
export const clientDelayChartSpec = (results: ReadonlyArray<SaturationResult>): TopLevelSpec => {
  const plotted = results.filter((r) => r.probe !== undefined && r.probe.roundTrip.count > 0)
  const targets = plotted.map((r) => r.target)
  const values = plotted.flatMap((r) =>
    PERCENTILES.map(([key, label]) => ({
      target: r.target,
      percentile: label,
      // A log scale cannot show 0; anything under a microsecond is drawn at one.
      ms: Math.max(0.001, r.probe!.roundTrip[key]),
      timedOut: r.probe!.timedOut,
      probes: r.probe!.scheduled
    }))
  )
  const timeout = results[0]?.settings.probeTimeoutMs
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Client delay under saturation",
      subtitle: `fresh connection, 32 KiB echoed and verified; lower is better; a timed-out probe counts as the timeout${timeout === undefined ? "" : ` (${timeout} ms)`}`,
      anchor: "start"
    },
    description: `Client-delay round-trip percentiles in milliseconds, one line per target: ${targets.join(", ")}.`,
    width: 480,
    height: 320,
    background: "white",
    config,
    data: { values },
    mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 50 } },
    encoding: {
      x: {
        field: "percentile",
        type: "ordinal",
        title: "percentile",
        sort: PERCENTILES.map(([, label]) => label),
        axis: { labelAngle: 0 }
      },
      y: {
        field: "ms",
        type: "quantitative",
        title: "round trip, ms (log)",
        scale: { type: "log" },
        axis: { format: "~g", grid: true }
      },
      color: { field: "target", type: "nominal", title: "target", scale: colour(targets) },
      tooltip: [
        { field: "target", type: "nominal" },
        { field: "percentile", type: "ordinal" },
        { field: "ms", type: "quantitative", title: "ms", format: ".3~g" },
        { field: "timedOut", type: "quantitative", title: "timed out" },
        { field: "probes", type: "quantitative", title: "probes" }
      ]
    }
  } as TopLevelSpec
}

export const saturationChartSpecs = (
  results: ReadonlyArray<SaturationResult>
): ReadonlyArray<{ readonly chart: SaturationChartName; readonly spec: TopLevelSpec }> => [
  { chart: "throughput", spec: throughputChartSpec(results) },
  { chart: "client-delay", spec: clientDelayChartSpec(results) }
]

/**
 * Each chart that has something to plot, as SVG keyed by name: no
 * throughput chart without samples, no delay chart without a probe report.
 */
export const renderSaturationCharts = (
  results: ReadonlyArray<SaturationResult>
): Effect.Effect<ReadonlyMap<SaturationChartName, string>, ChartRenderError> => {
  const has: Record<SaturationChartName, boolean> = {
    throughput: results.some((r) => r.samples.length > 0),
    "client-delay": results.some((r) => r.probe !== undefined && r.probe.roundTrip.count > 0)
  }
  return Effect.forEach(
    saturationChartSpecs(results).filter(({ chart }) => has[chart]),
    ({ chart, spec }) => renderSvg(spec, `saturation-${chart}`).pipe(Effect.map((svg) => [chart, svg] as const))
  ).pipe(Effect.map((charts) => new Map(charts)))
}
