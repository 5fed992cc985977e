/**
 * The figures of one finished cell that the charts, the headline and the
 * tooltips share, derived from its samples: MB/s of every measured
 * repetition, chunk latency, memory per connection above the idle server,
 * the server core's time split, and why the cell may be noisy.
 */
import { BUSY_BEFORE, NOISY_SPREAD, SHORT_SECONDS } from "../run/CellSummary.ts"
import type { Sample } from "../run/RunFile.ts"
import type { GridCell, ResultGrid } from "./ResultGrid.ts"

export interface CellFigures {
  readonly cell: GridCell
  readonly target: string
  readonly label: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly minSeconds: number
  /** MB/s of the fastest, the slowest and every measured repetition. */
  readonly mbPerSecond: number
  readonly mbPerSecondMin: number
  readonly mbPerSecondMax: number
  readonly spread: number
  readonly clientBound: boolean
  /** Chunk round trip of the fastest repetition, milliseconds. */
  readonly latencyP50Ms: number | undefined
  readonly latencyP99Ms: number | undefined
  /**
   * Peak RSS with the cell's connections open minus the idle server's RSS,
   * per connection. Runs written before the idle RSS was recorded use the
   * peak of the target's one-connection cell as the idle figure (`memoryEstimated`).
   */
  readonly memoryPerConnectionBytes: number | undefined
  readonly memoryEstimated: boolean
  /** The server core's time split over the fastest repetition (0..1 each). */
  readonly serverUser: number | undefined
  readonly serverSystem: number | undefined
  readonly serverSoftirq: number | undefined
  readonly serverCoreBusy: number | undefined
  readonly clientCoreBusy: number | undefined
  readonly contextSwitchesPerSecond: number | undefined
  /** Why the cell's figure is less sure; empty when it is not noisy. */
  readonly noise: ReadonlyArray<string>
}

const measured = (samples: ReadonlyArray<Sample>) => samples.filter((s) => !s.warmup && s.flood.ok)

const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : undefined)

/** Why a cell is noisy, in words; empty when it is not. */
export const noiseOf = (cell: GridCell): ReadonlyArray<string> => {
  const s = cell.summary
  if (s === undefined) return []
  const reasons: Array<string> = []
  if (s.spread > NOISY_SPREAD) reasons.push(`repetitions spread ${(s.spread * 100).toFixed(0)}%`)
  if (s.minSeconds < SHORT_SECONDS) reasons.push(`under ${SHORT_SECONDS * 1000} ms measured`)
  const before = cell.cell?.coresBusyBefore
  if (before !== undefined && Math.max(before.server, before.client) > BUSY_BEFORE) {
    reasons.push(
      `cores busy before the cell (${(before.server * 100).toFixed(0)}% / ${(before.client * 100).toFixed(0)}%)`
    )
  }
  return reasons
}

/** The idle RSS a cell's memory figure is measured from, and whether it is the one-connection estimate. */
const idleRss = (grid: ResultGrid, cell: GridCell): { bytes: number; estimated: boolean } | undefined => {
  const recorded = finite(cell.cell?.serverIdleRssBytes)
  if (recorded !== undefined) return { bytes: recorded, estimated: false }
  const smallest = grid.connections
    .map((n) => grid.at(cell.target.name, n, cell.bytesPerConnection))
    .find((c) => c?.status === "ok" && c.summary !== undefined)
  const peak = finite(smallest?.summary?.serverPeakRssBytes)
  return peak === undefined || smallest === cell ? undefined : { bytes: peak, estimated: true }
}

/** Every figure of a finished cell; undefined for a cell without a finished repetition. */
export const cellFigures = (grid: ResultGrid, cell: GridCell): CellFigures | undefined => {
  const s = cell.summary
  if (cell.status !== "ok" || s === undefined) return undefined
  const reps = measured(cell.cell?.samples ?? [])
  const fastest = reps.reduce<Sample | undefined>(
    (b, x) => (b === undefined || x.flood.seconds < b.flood.seconds ? x : b),
    undefined
  )
  const rates = reps.map((r) => r.flood.mbPerSecond)
  const idle = idleRss(grid, cell)
  const peak = finite(s.serverPeakRssBytes)
  const core = fastest?.serverCore
  return {
    cell,
    target: cell.target.name,
    label: grid.label(cell.target.name),
    connections: cell.connections,
    bytesPerConnection: cell.bytesPerConnection,
    minSeconds: s.minSeconds,
    mbPerSecond: s.mbPerSecond,
    mbPerSecondMin: rates.length > 0 ? Math.min(...rates) : s.mbPerSecond,
    mbPerSecondMax: rates.length > 0 ? Math.max(...rates) : s.mbPerSecond,
    spread: s.spread,
    clientBound: s.clientBound,
    latencyP50Ms: fastest !== undefined && fastest.flood.latency.count > 0 ? fastest.flood.latency.p50 : undefined,
    latencyP99Ms: fastest !== undefined && fastest.flood.latency.count > 0 ? fastest.flood.latency.p99 : undefined,
    memoryPerConnectionBytes:
      idle !== undefined && peak !== undefined ? Math.max(0, peak - idle.bytes) / cell.connections : undefined,
    memoryEstimated: idle?.estimated ?? false,
    serverUser: core?.user,
    serverSystem: core?.system,
    serverSoftirq: core?.softirq,
    serverCoreBusy: finite(s.serverCoreBusy),
    clientCoreBusy: finite(s.clientCoreBusy),
    contextSwitchesPerSecond: finite(fastest?.contextSwitchesPerSecond),
    noise: noiseOf(cell)
  }
}

/** The figures of every finished cell at one size and connection count, fastest first. */
export const figuresAt = (grid: ResultGrid, connections: number, bytes: number): ReadonlyArray<CellFigures> =>
  grid.targets
    .map((t) => grid.at(t.name, connections, bytes))
    .flatMap((c) => {
      const f = c === undefined ? undefined : cellFigures(grid, c)
      return f === undefined ? [] : [f]
    })
    .sort((a, b) => a.minSeconds - b.minSeconds)
