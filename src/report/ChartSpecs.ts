/**
 * Vega-Lite specs of the original benchmark's graph: flood time against
 * connection count, both axes logarithmic, one line per target, one chart per
 * payload size. The same spec serves the HTML report and README images.
 */
import type { TopLevelSpec } from "vega-lite"
import type { RunFile } from "../run/RunFile.ts"
import { formatSize } from "./NumberFormat.ts"
import { CLIENT_BOUND_MARK } from "./ReportDocument.ts"
import { type ResultGrid, resultGrid } from "./ResultGrid.ts"

/** One finished cell as the chart plots it. */
export interface TimePoint {
  readonly target: string
  readonly connections: number
  readonly seconds: number
  readonly mbPerSecond: number
  readonly spreadPercent: number
  readonly serverCoreBusyPercent: number | null
  readonly clientCoreBusyPercent: number | null
  readonly clientBound: boolean
  readonly bottleneck: string
}

export const SERVER_BOUND = "server"
export const CLIENT_BOUND = `client ${CLIENT_BOUND_MARK} (server may be faster)`

// Tableau 10; past ten targets the colours repeat with a dashed line, which
// stays easier to tell apart than Tableau 20's light and dark pairs.
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
const dashes = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3]
]

const percent = (share: number | undefined) =>
  share === undefined || !Number.isFinite(share) ? null : Math.round(share * 1000) / 10

export const timePoints = (grid: ResultGrid, bytes: number): ReadonlyArray<TimePoint> =>
  grid.cells
    .filter((c) => c.bytesPerConnection === bytes && c.status === "ok" && c.summary !== undefined)
    .map((c) => {
      const s = c.summary!
      return {
        target: grid.label(c.target.name),
        connections: c.connections,
        seconds: s.minSeconds,
        mbPerSecond: Math.round(s.mbPerSecond),
        spreadPercent: Math.round(s.spread * 1000) / 10,
        serverCoreBusyPercent: percent(s.serverCoreBusy),
        clientCoreBusyPercent: percent(s.clientCoreBusy),
        clientBound: s.clientBound,
        bottleneck: s.clientBound ? CLIENT_BOUND : SERVER_BOUND
      }
    })

/**
 * The series of a run: every target with a finished cell at any size, in
 * run order, so a target keeps its colour from one chart to the next.
 */
export const chartSeries = (grid: ResultGrid): ReadonlyArray<string> =>
  grid.targets
    .filter((t) => grid.cells.some((c) => c.target.name === t.name && c.status === "ok" && c.summary !== undefined))
    .map((t) => grid.label(t.name))

export const timeChartSpec = (grid: ResultGrid, bytes: number): TopLevelSpec => {
  const series = chartSeries(grid)
  const colour = { domain: [...series], range: series.map((_, i) => tableau10[i % tableau10.length]!) }
  const dash = {
    domain: [...series],
    range: series.map((_, i) => dashes[Math.floor(i / tableau10.length) % dashes.length]!)
  }
  const points = timePoints(grid, bytes)
  const x = {
    field: "connections",
    type: "quantitative",
    title: "concurrent connections",
    // Not "nice": a log domain rounded out to whole decades leaves most of the plot empty.
    scale: { type: "log", nice: false, padding: 14 },
    axis: { values: [...grid.connections], format: "~s", grid: true }
  } as const
  const y = {
    field: "seconds",
    type: "quantitative",
    title: `seconds (minimum of ${grid.run.options.repetitions})`,
    scale: { type: "log", nice: false, padding: 14 },
    axis: { format: "~g", grid: true }
  } as const
  const tooltip = [
    { field: "target", type: "nominal", title: "target" },
    { field: "connections", type: "quantitative", title: "connections" },
    { field: "seconds", type: "quantitative", title: "min seconds", format: ".4~g" },
    { field: "mbPerSecond", type: "quantitative", title: "MB/s" },
    { field: "spreadPercent", type: "quantitative", title: "spread %" },
    { field: "serverCoreBusyPercent", type: "quantitative", title: "server core busy %" },
    { field: "clientCoreBusyPercent", type: "quantitative", title: "client core busy %" },
    { field: "bottleneck", type: "nominal", title: "bottleneck" }
  ] as const
  const color = {
    field: "target",
    type: "nominal",
    title: "target",
    scale: colour,
    legend: { orient: "right", symbolType: "stroke", symbolStrokeWidth: 3 }
  } as const
  const shape = {
    field: "bottleneck",
    type: "nominal",
    title: "bottleneck",
    scale: { domain: [SERVER_BOUND, CLIENT_BOUND], range: ["circle", "diamond"] },
    legend: { orient: "right", symbolFillColor: "white", symbolStrokeColor: "#333", symbolStrokeWidth: 1.5 }
  } as const
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${formatSize(bytes)} per connection: flood time`,
      subtitle: "log–log, lower is better; hollow diamonds: the client core was the bottleneck",
      anchor: "start"
    },
    description: `Flood time in seconds against concurrent connections, ${formatSize(bytes)} per connection, one line per target: ${series.join(", ")}.`,
    width: 640,
    height: 380,
    background: "white",
    config: {
      legend: { labelLimit: 0, titleLimit: 0, labelFontSize: 12, titleFontSize: 12 },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      title: { fontSize: 15, subtitleFontSize: 12 }
    },
    data: { values: points.map((p) => ({ ...p })) },
    // A point layer whose filter leaves nothing makes Vega warn of an infinite extent, so each is added only when used.
    layer: [
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y, color, strokeDash: { field: "target", type: "nominal", title: "target", scale: dash } }
      },
      ...(points.some((p) => !p.clientBound)
        ? [
            {
              transform: [{ filter: "!datum.clientBound" }],
              mark: { type: "point", filled: true, size: 70, opacity: 1 },
              encoding: { x, y, color, shape, tooltip: [...tooltip] }
            }
          ]
        : []),
      ...(points.some((p) => p.clientBound)
        ? [
            {
              // Hollow, larger, white inside: a client-bound time is an upper bound for the server, not its measure.
              transform: [{ filter: "datum.clientBound" }],
              mark: { type: "point", filled: false, fill: "white", size: 130, strokeWidth: 2.5, opacity: 1 },
              encoding: { x, y, color, shape, tooltip: [...tooltip] }
            }
          ]
        : [])
    ]
  } as TopLevelSpec
}

/** One spec per payload size of the run, keyed by size. */
export const timeChartSpecs = (
  run: RunFile
): ReadonlyArray<{ readonly bytes: number; readonly spec: TopLevelSpec }> => {
  const grid = resultGrid(run)
  return grid.sizes.map((bytes) => ({ bytes, spec: timeChartSpec(grid, bytes) }))
}
