/**
 * results.csv: one row per sample, warm-ups included (marked), and one row
 * for each position of the matrix that has no sample (skipped, failed before
 * any sample, not measured) with its reason. RFC 4180: CRLF line ends, a
 * field quoted when it holds a comma, quote or line break. Numbers are as
 * measured, unrounded; busy shares are percentages; latency milliseconds.
 */
import type { RunFile, Sample } from "../run/RunFile.ts"
import { type GridCell, resultGrid } from "./ResultGrid.ts"

export const CSV_COLUMNS = [
  "target",
  "displayName",
  "connections",
  "bytesPerConnection",
  "repetition",
  "warmup",
  "status",
  "floodOk",
  "seconds",
  "connectSeconds",
  "bulkSeconds",
  "mbPerSecond",
  "latencyCount",
  "latencyP50Ms",
  "latencyP90Ms",
  "latencyP99Ms",
  "latencyP999Ms",
  "latencyMaxMs",
  "serverCpuUserSeconds",
  "serverCpuSystemSeconds",
  "voluntaryContextSwitches",
  "involuntaryContextSwitches",
  "serverPeakRssBytes",
  "serverCoreBusyPercent",
  "clientCoreBusyPercent",
  "clientBound",
  "errors",
  "reason"
] as const

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | boolean>>

export const csvField = (value: string | number | boolean | undefined): string => {
  if (value === undefined || (typeof value === "number" && !Number.isFinite(value))) return ""
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const percent = (share: number | undefined) => (share === undefined ? undefined : share * 100)

const sampleRow = (cell: GridCell, sample: Sample): Row => ({
  target: cell.target.name,
  displayName: cell.target.displayName,
  connections: cell.connections,
  bytesPerConnection: cell.bytesPerConnection,
  repetition: sample.repetition,
  warmup: sample.warmup,
  status: cell.status,
  floodOk: sample.flood.ok,
  seconds: sample.flood.seconds,
  connectSeconds: sample.flood.connectSeconds,
  bulkSeconds: sample.flood.bulkSeconds,
  mbPerSecond: sample.flood.mbPerSecond,
  latencyCount: sample.flood.latency.count,
  latencyP50Ms: sample.flood.latency.p50,
  latencyP90Ms: sample.flood.latency.p90,
  latencyP99Ms: sample.flood.latency.p99,
  latencyP999Ms: sample.flood.latency.p999,
  latencyMaxMs: sample.flood.latency.max,
  serverCpuUserSeconds: sample.server?.cpuUserSeconds,
  serverCpuSystemSeconds: sample.server?.cpuSystemSeconds,
  voluntaryContextSwitches: sample.server?.voluntaryContextSwitches,
  involuntaryContextSwitches: sample.server?.involuntaryContextSwitches,
  serverPeakRssBytes: sample.server?.peakRssBytes,
  serverCoreBusyPercent: percent(sample.serverCore?.busy),
  clientCoreBusyPercent: percent(sample.clientCore?.busy),
  clientBound: sample.clientBound,
  errors: Object.entries(sample.flood.errors)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(";"),
  reason: cell.status === "ok" ? undefined : cell.reason
})

const emptyRow = (cell: GridCell): Row => ({
  target: cell.target.name,
  displayName: cell.target.displayName,
  connections: cell.connections,
  bytesPerConnection: cell.bytesPerConnection,
  status: cell.status,
  reason: cell.reason
})

export const renderCsv = (run: RunFile): string => {
  const grid = resultGrid(run)
  const rows = grid.cells.flatMap((cell) => {
    const samples = cell.cell?.samples ?? []
    return samples.length === 0 ? [emptyRow(cell)] : samples.map((s) => sampleRow(cell, s))
  })
  const lines = [CSV_COLUMNS.join(","), ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(row[c])).join(","))]
  return `${lines.join("\r\n")}\r\n`
}
