/**
 * What a chart point carries: every figure of its cell, rounded for reading,
 * so a tooltip shows the whole cell. Shared by all flood charts.
 */

import { formatSize } from "../../run/NumberFormat.ts"
import type { CellFigures } from "../CellFigures.ts"

const round = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits
const percent = (share: number | undefined) => (share === undefined ? null : round(share * 100))

export const pointDatum = (f: CellFigures) => ({
  target: f.label,
  cell: `${f.connections} × ${formatSize(f.bytesPerConnection)}`,
  connections: f.connections,
  seconds: f.minSeconds,
  mbPerSecond: round(f.mbPerSecond, 0),
  mbPerSecondMin: round(f.mbPerSecondMin, 0),
  mbPerSecondMax: round(f.mbPerSecondMax, 0),
  spreadPercent: percent(f.spread),
  latencyP50Ms: round(f.latencyP50Ms, 2),
  latencyP99Ms: round(f.latencyP99Ms, 2),
  memoryKiBPerConnection: round(
    f.memoryPerConnectionBytes === undefined ? undefined : f.memoryPerConnectionBytes / 1024,
    2
  ),
  serverCoreBusyPercent: percent(f.serverCoreBusy),
  clientCoreBusyPercent: percent(f.clientCoreBusy),
  contextSwitchesPerSecond: round(f.contextSwitchesPerSecond, 0),
  bottleneck: f.clientBound ? "client (server may be faster)" : "server",
  clientBound: f.clientBound,
  noisy: f.noise.length > 0 ? f.noise.join("; ") : "no"
})

export type PointDatum = ReturnType<typeof pointDatum>

/** Every figure of a point, as tooltip fields. */
export const tooltip = [
  { field: "target", type: "nominal", title: "target" },
  { field: "cell", type: "nominal", title: "cell" },
  { field: "seconds", type: "quantitative", title: "min seconds", format: ".4~g" },
  { field: "mbPerSecond", type: "quantitative", title: "MB/s (fastest)" },
  { field: "mbPerSecondMin", type: "quantitative", title: "MB/s (slowest)" },
  { field: "spreadPercent", type: "quantitative", title: "spread %" },
  { field: "latencyP50Ms", type: "quantitative", title: "chunk latency p50 ms" },
  { field: "latencyP99Ms", type: "quantitative", title: "chunk latency p99 ms" },
  { field: "memoryKiBPerConnection", type: "quantitative", title: "KiB per connection" },
  { field: "serverCoreBusyPercent", type: "quantitative", title: "server core busy %" },
  { field: "clientCoreBusyPercent", type: "quantitative", title: "client core busy %" },
  { field: "contextSwitchesPerSecond", type: "quantitative", title: "context switches/s" },
  { field: "bottleneck", type: "nominal", title: "bottleneck" },
  { field: "noisy", type: "nominal", title: "noisy" }
]

/**
 * Targets the reader switched off in the HTML report (a list of labels set
 * through the view's `hidden` signal); every layer filters them out.
 */
export const HIDDEN_PARAM = { name: "hidden", value: [] as Array<string> }
export const notHidden = { filter: "indexof(hidden, datum.target) < 0" }

export const CHART_CONFIG = {
  legend: { labelLimit: 0, titleLimit: 0, labelFontSize: 12, titleFontSize: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 420 },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start" }
} as const
