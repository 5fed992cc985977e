/**
 * Vega-Lite specs of the flood results, each titled with what it shows:
 * echoed MB/s against connections per payload size (min–max bars over the
 * repetitions), the best server per runtime or language, chunk latency,
 * memory per connection and the server core's CPU split, the last three at
 * the headline cell. One spec serves the SVG beside report.md and the live
 * chart in report.html.
 */
import type { TopLevelSpec } from "vega-lite"
import { formatCount, formatSize } from "../../run/NumberFormat.ts"
import { type CellFigures, figuresAt } from "../CellFigures.ts"
import { bestPerGroup, type HeadlineCell, headlineCell, rankOrder } from "../Headline.ts"
import type { ResultGrid } from "../ResultGrid.ts"
import { CHART_CONFIG, HIDDEN_PARAM, notHidden, type PointDatum, pointDatum, tooltip } from "./ChartData.ts"
import { type SeriesStyle, seriesEncodings, seriesStyles } from "./Palette.ts"

export interface NamedChart {
  /** File stem of its SVG and id of its figure in the HTML. */
  readonly name: string
  readonly title: string
  readonly spec: TopLevelSpec
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

const base = (title: string, subtitle: string, values: ReadonlyArray<PointDatum | Record<string, unknown>>) => ({
  $schema: SCHEMA,
  title: { text: title, subtitle },
  background: "white",
  config: CHART_CONFIG,
  params: [HIDDEN_PARAM],
  data: { values: values.map((v) => ({ ...v })) }
})

/** MB/s (linear) against connections (log), one line per target, min–max bars over the repetitions. */
const throughputChart = (grid: ResultGrid, styles: ReadonlyArray<SeriesStyle>, bytes: number): NamedChart => {
  const points = grid.connections.flatMap((n) => figuresAt(grid, n, bytes)).map(pointDatum)
  const labels = styles.map((s) => s.label).filter((l) => points.some((p) => p.target === l))
  const { color, shape, strokeDash } = seriesEncodings(styles, labels)
  const x = {
    field: "connections",
    type: "quantitative",
    title: "concurrent connections (log scale)",
    scale: { type: "log", nice: false, padding: 14 },
    axis: { values: [...grid.connections], format: "~s", grid: true }
  } as const
  const y = { field: "mbPerSecond", type: "quantitative", title: "echoed MB/s (fastest repetition)" } as const
  const title = `${formatSize(bytes)} per connection: echoed MB/s by connection count`
  return {
    name: `throughput-${bytes}`,
    title,
    spec: {
      ...base(
        title,
        "higher is better; bars span the repetitions; hollow marks: the client core was the bottleneck",
        points
      ),
      width: 620,
      height: 360,
      transform: [notHidden],
      layer: [
        {
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: { x, y: { ...y, field: "mbPerSecondMin" }, y2: { field: "mbPerSecondMax" }, color }
        },
        { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color, strokeDash } },
        // Hollow marks for client-bound cells: their MB/s is a lower bound for the server, not its measure.
        ...[false, true]
          .filter((hollow) => points.some((p) => p.clientBound === hollow))
          .map((hollow) => ({
            transform: [{ filter: hollow ? "datum.clientBound" : "!datum.clientBound" }],
            mark: {
              type: "point",
              size: 80,
              strokeWidth: 2,
              opacity: 1,
              filled: !hollow,
              ...(hollow ? { fill: "white" } : {})
            },
            encoding: { x, y, color, shape, tooltip }
          }))
      ]
    } as TopLevelSpec
  }
}

/** Horizontal bars of one figure per target at one cell, in rank order. */
const barChart = (
  name: string,
  title: string,
  subtitle: string,
  styles: ReadonlyArray<SeriesStyle>,
  figures: ReadonlyArray<CellFigures>,
  field: keyof PointDatum,
  axisTitle: string
): NamedChart => {
  const points = figures.map(pointDatum).filter((p) => p[field] !== null)
  const labels = styles.map((s) => s.label).filter((l) => points.some((p) => p.target === l))
  const { color } = seriesEncodings(styles, labels, false)
  return {
    name,
    title,
    spec: {
      ...base(title, subtitle, points),
      width: 520,
      height: { step: 22 },
      transform: [notHidden],
      mark: { type: "bar" },
      encoding: {
        y: { field: "target", type: "nominal", sort: labels, title: null },
        x: { field, type: "quantitative", title: axisTitle },
        color,
        tooltip
      }
    } as TopLevelSpec
  }
}

const cellName = (at: { connections: number; bytes: number }) =>
  `${formatCount(at.connections)} × ${formatSize(at.bytes)}`

/** Chunk round trip p50 (filled) and p99 (hollow) per target on a log axis, joined by a rule. */
const latencyChart = (styles: ReadonlyArray<SeriesStyle>, headline: HeadlineCell): NamedChart => {
  const points = headline.ranked.map(pointDatum).filter((p) => p.latencyP50Ms !== null && p.latencyP99Ms !== null)
  const labels = styles.map((s) => s.label).filter((l) => points.some((p) => p.target === l))
  const { color } = seriesEncodings(styles, labels, false)
  const y = { field: "target", type: "nominal", sort: labels, title: null } as const
  const scale = { type: "log" } as const
  const title = `Chunk round-trip latency at ${cellName(headline)}: p50 (filled) and p99 (hollow)`
  return {
    name: "latency",
    title,
    spec: {
      ...base(
        title,
        "send of a 32 KiB chunk to its last echoed byte, fastest repetition; lower is better (log scale)",
        points
      ),
      width: 520,
      height: { step: 22 },
      transform: [notHidden],
      layer: [
        {
          mark: "rule",
          encoding: {
            y,
            x: { field: "latencyP50Ms", type: "quantitative", scale, title: "milliseconds" },
            x2: { field: "latencyP99Ms" },
            color
          }
        },
        {
          mark: { type: "point", filled: true, size: 70 },
          encoding: { y, x: { field: "latencyP50Ms", type: "quantitative", scale }, color, tooltip }
        },
        {
          mark: { type: "point", filled: false, size: 70, strokeWidth: 2 },
          encoding: { y, x: { field: "latencyP99Ms", type: "quantitative", scale }, color, tooltip }
        }
      ]
    } as TopLevelSpec
  }
}

/** Server core's user, system and softirq shares per target, stacked, beside context switches per second. */
const cpuChart = (styles: ReadonlyArray<SeriesStyle>, headline: HeadlineCell): NamedChart => {
  const labels = styles.map((s) => s.label).filter((l) => headline.ranked.some((f) => f.label === l))
  const parts = headline.ranked.flatMap((f) =>
    (
      [
        ["user", f.serverUser],
        ["system", f.serverSystem],
        ["softirq", f.serverSoftirq]
      ] as const
    ).flatMap(([part, share]) =>
      share === undefined ? [] : [{ target: f.label, part, percent: Math.round(share * 1000) / 10 }]
    )
  )
  const switches = headline.ranked.map(pointDatum).filter((p) => p.contextSwitchesPerSecond !== null)
  const y = { field: "target", type: "nominal", sort: labels, title: null } as const
  const title = `Server core CPU split and context switches at ${cellName(headline)}`
  return {
    name: "cpu",
    title,
    spec: {
      $schema: SCHEMA,
      title: {
        text: title,
        subtitle:
          "share of the server's core (softirq is the kernel's network work); machine-wide context switches per second"
      },
      background: "white",
      config: CHART_CONFIG,
      params: [HIDDEN_PARAM],
      hconcat: [
        {
          width: 360,
          height: { step: 22 },
          data: { values: parts },
          transform: [notHidden],
          mark: "bar",
          encoding: {
            y,
            x: {
              field: "percent",
              type: "quantitative",
              title: "% of the server core",
              stack: "zero",
              scale: { domain: [0, 100] }
            },
            color: {
              field: "part",
              type: "nominal",
              title: "time",
              scale: { domain: ["user", "system", "softirq"], range: ["#0072B2", "#E69F00", "#CC79A7"] }
            },
            tooltip: [
              { field: "target", type: "nominal" },
              { field: "part", type: "nominal" },
              { field: "percent", type: "quantitative", title: "% of core" }
            ]
          }
        },
        {
          width: 220,
          height: { step: 22 },
          data: { values: switches.map((s) => ({ ...s })) },
          transform: [notHidden],
          mark: "bar",
          encoding: {
            y: { ...y, axis: null },
            x: { field: "contextSwitchesPerSecond", type: "quantitative", title: "context switches / s" },
            color: { value: "#555" },
            tooltip
          }
        }
      ]
    } as unknown as TopLevelSpec
  }
}

/** Every flood chart of a run, in reading order. */
export const floodCharts = (grid: ResultGrid): ReadonlyArray<NamedChart> => {
  const headline = headlineCell(grid)
  const styles = seriesStyles(grid, rankOrder(grid, headline))
  const charts: Array<NamedChart> = []
  const best = bestPerGroup(grid)
  if (best !== undefined) {
    const figures = best.best.map((b) => ({ ...b.figures, label: `${b.group}: ${b.figures.label}` }))
    const groupStyles = best.best.map((b, i) => {
      const own = styles.find((s) => s.label === b.figures.label)!
      return { ...own, label: figures[i]!.label }
    })
    charts.push(
      barChart(
        "best-per-runtime",
        `Best server per runtime or language at ${cellName(best)}`,
        best.missing.length === 0
          ? "echoed MB/s of the fastest server of each; the largest cell where every one finished"
          : `echoed MB/s; no cell has every one finished, missing here: ${best.missing.join(", ")}`,
        groupStyles,
        figures,
        "mbPerSecond",
        "echoed MB/s"
      )
    )
  }
  for (const bytes of grid.sizes) {
    if (grid.connections.some((n) => figuresAt(grid, n, bytes).length > 0))
      charts.push(throughputChart(grid, styles, bytes))
  }
  if (headline !== undefined) {
    charts.push(latencyChart(styles, headline))
    const estimated = headline.ranked.some((f) => f.memoryEstimated)
    // A bench:core run measures memory in cells of its own (part d), so its headline cell may have none.
    const withMemory = headline.ranked.some((f) => f.memoryPerConnectionBytes !== undefined)
    if (withMemory)
      charts.push(
        barChart(
          "memory",
          `Server memory per connection at ${cellName(headline)}`,
          estimated
            ? "peak RSS minus the server's RSS with one connection (this run has no idle RSS), per connection; lower is better"
            : "peak RSS with the connections open minus the idle server's RSS, per connection; lower is better",
          styles,
          headline.ranked,
          "memoryKiBPerConnection",
          "KiB per connection"
        )
      )
    charts.push(cpuChart(styles, headline))
  }
  return charts
}
