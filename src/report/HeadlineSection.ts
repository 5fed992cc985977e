/**
 * The top of a report: the ranking at the headline cell with its cost in
 * memory and latency, and "what this run shows", sentences generated from
 * the data (fastest per runtime or language, Nagle-stalled targets,
 * failures and their kinds, client-bound and noisy cells).
 */
import { NOISY_SPREAD, SHORT_SECONDS } from "../run/CellSummary.ts"
import { formatCount, formatMbPerSecond, formatRatio, formatSeconds, formatSize } from "../run/NumberFormat.ts"
import { type CellFigures, cellFigures } from "./CellFigures.ts"
import { bestPerGroup, type HeadlineCell, headlineCell, runtimeGroup } from "./Headline.ts"
import {
  type Block,
  CLIENT_BOUND_LEGEND,
  CLIENT_BOUND_MARK,
  type Note,
  paragraph,
  type Section,
  type TableCell,
  table
} from "./ReportBlocks.ts"
import type { GridCell, ResultGrid } from "./ResultGrid.ts"

export const NOISY_MARK = "≈"
export const NOISY_LEGEND = `noisy: repetitions spread over ${NOISY_SPREAD * 100}%, under ${SHORT_SECONDS * 1000} ms measured, or a core busy before the cell; the figure is less sure.`

/** A chunk round trip this slow at the fewest connections is the 40 ms delayed-ACK stall of Nagle's algorithm. */
const NAGLE_MS = 30

const cellText = (at: { connections: number; bytes: number }) =>
  `${formatCount(at.connections)} × ${formatSize(at.bytes)}`
const ms = (value: number | undefined) => (value === undefined ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(0))
const kib = (bytes: number | undefined) => (bytes === undefined ? "–" : (bytes / 1024).toFixed(1))

const marks = (f: CellFigures) =>
  [f.clientBound ? CLIENT_BOUND_MARK : "", f.noise.length > 0 ? NOISY_MARK : ""].filter((m) => m !== "").join(" ")

const rankingTable = (grid: ResultGrid, headline: HeadlineCell): Block => {
  const best = headline.ranked[0]!.minSeconds
  const estimated = headline.ranked.some((f) => f.memoryEstimated)
  const failed = grid.targets
    .map((t) => grid.at(t.name, headline.connections, headline.bytes)!)
    .filter((c) => c.status !== "ok")
  return table({
    header: [
      "#",
      "target",
      "runtime / language",
      "MB/s",
      "min s",
      "vs fastest",
      "chunk p50 ms",
      "chunk p99 ms",
      estimated ? "KiB / conn. (est.)" : "KiB / conn.",
      ""
    ],
    numeric: [true, false, false, true, true, true, true, true, true, false],
    rows: [
      ...headline.ranked.map(
        (f, i): ReadonlyArray<TableCell> => [
          { text: String(i + 1) },
          { text: f.label },
          { text: runtimeGroup(f.cell.target) },
          { text: formatMbPerSecond(f.mbPerSecond), ...(f.clientBound ? { tone: "clientBound" as const } : {}) },
          { text: formatSeconds(f.minSeconds) },
          { text: formatRatio(f.minSeconds / best) },
          { text: ms(f.latencyP50Ms) },
          { text: ms(f.latencyP99Ms) },
          { text: kib(f.memoryPerConnectionBytes) },
          { text: marks(f), ...(f.noise.length > 0 ? { title: f.noise.join("; ") } : {}) }
        ]
      ),
      ...failed.map(
        (c): ReadonlyArray<TableCell> => [
          { text: "" },
          { text: grid.label(c.target.name) },
          { text: runtimeGroup(c.target) },
          { text: c.status === "failed" ? "FAILED" : c.status, tone: c.status },
          ...Array.from({ length: 5 }, () => ({ text: "" })),
          { text: c.reason ?? "" }
        ]
      )
    ]
  })
}

const finished = (grid: ResultGrid) =>
  grid.cells.flatMap((c) => {
    const f = cellFigures(grid, c)
    return f === undefined ? [] : [f]
  })

/** The error kinds of a failed cell, from its last sample, else from its reason. */
const failureKinds = (cell: GridCell) => {
  const last = cell.cell?.samples.filter((s) => !s.flood.ok).at(-1)
  const kinds =
    last === undefined ? [] : Object.entries(last.flood.errors).map(([kind, n]) => `${kind} ${formatCount(n)}`)
  if (kinds.length > 0) return kinds.join(", ")
  const reason = cell.reason ?? "no reason recorded"
  return reason.length > 90 ? `${reason.slice(0, 88)}…` : reason
}

const findings = (grid: ResultGrid, headline: HeadlineCell | undefined): ReadonlyArray<string> => {
  const lines: Array<string> = []
  if (headline !== undefined) {
    const [first, second] = headline.ranked
    lines.push(
      `At ${cellText(headline)}, the largest cell whose fastest target was limited by the server, ${first!.label} was fastest at ${formatMbPerSecond(first!.mbPerSecond)} MB/s${second !== undefined ? `, ${formatRatio(second.minSeconds / first!.minSeconds)} ahead of ${second.label}` : ""}.`
    )
    if (headline.passedOver.length > 0) {
      const shown = headline.passedOver.slice(0, 3).map((p) => `${cellText(p)} (${p.leader})`)
      lines.push(
        `Passed over because their fastest target was client-bound (${CLIENT_BOUND_MARK}, the server may be faster): ${shown.join(", ")}${headline.passedOver.length > 3 ? ` and ${headline.passedOver.length - 3} more` : ""}; their tables below still rank them.`
      )
    }
    const withMemory = headline.ranked.filter((f) => f.memoryPerConnectionBytes !== undefined)
    if (withMemory.length > 1) {
      const sorted = [...withMemory].sort((a, b) => a.memoryPerConnectionBytes! - b.memoryPerConnectionBytes!)
      lines.push(
        `Memory per connection there ranges from ${kib(sorted[0]!.memoryPerConnectionBytes)} KiB (${sorted[0]!.label}) to ${kib(sorted.at(-1)!.memoryPerConnectionBytes)} KiB (${sorted.at(-1)!.label}); chunk p99 latency from ${ms(Math.min(...headline.ranked.map((f) => f.latencyP99Ms ?? Number.POSITIVE_INFINITY)))} to ${ms(Math.max(...headline.ranked.map((f) => f.latencyP99Ms ?? 0)))} ms.`
      )
    }
  }
  const best = bestPerGroup(grid)
  if (best !== undefined && best.best.length > 1) {
    lines.push(
      `Fastest per runtime or language at ${cellText(best)}: ${best.best.map((b) => `${b.group}: ${b.figures.label} (${formatMbPerSecond(b.figures.mbPerSecond)} MB/s)`).join("; ")}${best.missing.length > 0 ? `; nothing finished there for ${best.missing.join(", ")}` : ""}.`
    )
  }
  const all = finished(grid)
  const fewest = grid.connections[0]
  const stalled = [
    ...new Set(all.filter((f) => f.connections === fewest && (f.latencyP50Ms ?? 0) >= NAGLE_MS).map((f) => f.label))
  ]
  if (stalled.length > 0) {
    lines.push(
      `Stalled by Nagle's algorithm with delayed ACKs (chunk round trip p50 of ${NAGLE_MS} ms or more at ${formatCount(fewest!)} connection${fewest === 1 ? "" : "s"}): ${stalled.join(", ")}; TCP_NODELAY on the server removes the stall.`
    )
  }
  const failedCells = grid.cells.filter((c) => c.status === "failed")
  if (failedCells.length > 0) {
    const byTarget = new Map<string, Array<GridCell>>()
    for (const c of failedCells) byTarget.set(c.target.name, [...(byTarget.get(c.target.name) ?? []), c])
    lines.push(
      `Failed: ${[...byTarget].map(([name, cells]) => `${grid.label(name)} at ${cells.map((c) => `${cellText({ connections: c.connections, bytes: c.bytesPerConnection })} (${failureKinds(c)})`).join(", ")}`).join("; ")}.`
    )
  } else if (all.length > 0) {
    lines.push("No cell failed: every finished flood verified every echoed byte.")
  }
  const clientBound = all.filter((f) => f.clientBound).length
  if (clientBound > 0)
    lines.push(`${clientBound} of ${all.length} finished cells were client-bound (${CLIENT_BOUND_MARK}).`)
  const noisy = all.filter((f) => f.noise.length > 0).length
  if (noisy > 0)
    lines.push(
      `${noisy} of ${all.length} finished cells are marked noisy (${NOISY_MARK}); see "Spread of repetitions".`
    )
  return lines
}

/** The report's first sections: which to pick and at what cost, then what the run shows. */
export const headlineSections = (grid: ResultGrid): ReadonlyArray<Section> => {
  const headline = headlineCell(grid)
  const notes: Array<Note> = [
    { marker: CLIENT_BOUND_MARK, text: CLIENT_BOUND_LEGEND },
    { marker: NOISY_MARK, text: NOISY_LEGEND }
  ]
  const blocks: Array<Block> =
    headline === undefined
      ? [paragraph("No cell finished, so there is no ranking; the tables below say why each cell did not.")]
      : [
          paragraph(
            `Ranked at ${cellText(headline)}: the largest cell whose fastest target was limited by the server, not the client. MB/s is echoed payload of the fastest repetition; chunk latency is a ${formatSize(grid.run.options.chunk)} chunk's round trip; memory is the server's peak RSS above its idle RSS, per connection.`
          ),
          rankingTable(grid, headline),
          { _tag: "Notes", notes }
        ]
  blocks.push({ _tag: "Chart", name: "best-per-runtime", title: "Best server per runtime or language" })
  return [
    { id: "headline", heading: "Which to pick", level: 2, blocks },
    {
      id: "shows",
      heading: "What this run shows",
      level: 2,
      blocks: [{ _tag: "List", items: findings(grid, headline) }]
    }
  ]
}
