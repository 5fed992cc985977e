/**
 * What a report says, decided once: sections of paragraphs, tables, notes and
 * charts built from a run. The Markdown and HTML reports only render this, so
 * they cannot disagree about a number, a mark or a reason.
 */

import {
  formatCount,
  formatKiB,
  formatMbPerSecond,
  formatMiB,
  formatPercent,
  formatSeconds,
  formatSize
} from "../run/NumberFormat.ts"
import type { CellStatus, RunFile } from "../run/RunFile.ts"
import { cellFigures, noiseOf } from "./CellFigures.ts"
import { headlineCell } from "./Headline.ts"
import { headlineSections, NOISY_LEGEND, NOISY_MARK } from "./HeadlineSection.ts"
import { originalSections } from "./OriginalComparison.ts"
import {
  type Block,
  CLIENT_BOUND_LEGEND,
  CLIENT_BOUND_MARK,
  type Note,
  paragraph,
  type ReportDocument,
  type Section,
  statusWord,
  type Table,
  type TableCell,
  type Tone,
  table
} from "./ReportBlocks.ts"
import { type GridCell, type ResultGrid, resultGrid, statusCounts } from "./ResultGrid.ts"
import { environmentSection, optionsSection, targetsSection } from "./RunDescription.ts"

export type { Block, Note, ReportDocument, Section, Table, TableCell, Tone }
export { CLIENT_BOUND_LEGEND, CLIENT_BOUND_MARK }

/** The title line: which run, and whether its data is whole. */
export const runTitle = (run: RunFile) => `echoflood run ${run.id}`

export const runStatus = (grid: ResultGrid): string => {
  const counts = statusCounts(grid)
  const tally = `${counts.ok} ok, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.pending} not measured, of ${grid.cells.length} cells`
  const run = grid.run
  if (run.complete) return `Complete: ${tally}.`
  if (run.interruptedAt !== undefined) return `Interrupted at ${run.interruptedAt}: ${tally}.`
  return `Incomplete (last written ${run.updatedAt}): ${tally}.`
}

/** A cell of the time table: min seconds and MB/s, or why there is none. */
const timeText = (cell: GridCell, marker: string | undefined) => {
  if (cell.status === "ok" && cell.summary !== undefined) {
    const s = cell.summary
    const noisy = noiseOf(cell).length > 0 ? ` ${NOISY_MARK}` : ""
    return `${formatSeconds(s.minSeconds)} s · ${formatMbPerSecond(s.mbPerSecond)} MB/s${s.clientBound ? ` ${CLIENT_BOUND_MARK}` : ""}${noisy}`
  }
  return `${statusWord[cell.status as Exclude<CellStatus, "ok">]} ${marker ?? ""}`.trim()
}

const toneOf = (cell: GridCell): Tone =>
  cell.status === "ok" && cell.summary?.clientBound === true ? "clientBound" : cell.status

/**
 * Numbers the reasons of one table: one note per distinct status and reason,
 * saying which cells it covers, so a target skipped everywhere gets one note.
 */
const numberNotes = (grid: ResultGrid, cells: ReadonlyArray<GridCell>) => {
  const groups = new Map<string, { status: CellStatus; reason: string; cells: Array<GridCell> }>()
  for (const cell of cells) {
    if (cell.status === "ok" || cell.reason === undefined) continue
    const k = `${cell.status}\u0000${cell.reason}`
    const group = groups.get(k) ?? { status: cell.status, reason: cell.reason, cells: [] }
    group.cells.push(cell)
    groups.set(k, group)
  }
  const markers = new Map<GridCell, string>()
  const notes: Array<Note> = []
  for (const group of groups.values()) {
    const marker = `[${notes.length + 1}]`
    for (const cell of group.cells) markers.set(cell, marker)
    const covered = [...new Set(group.cells.map((c) => c.target.name))]
      .map((name) => {
        const mine = group.cells.filter((c) => c.target.name === name)
        const counts = mine.map((c) => c.connections)
        const all = grid.connections.every((n) => counts.includes(n))
        return `${grid.label(name)}${all ? ", every connection count" : ` at ${counts.join(", ")} connections`}`
      })
      .join("; ")
    notes.push({
      marker,
      text: `${statusWord[group.status as Exclude<CellStatus, "ok">]} (${covered}): ${group.reason}`
    })
  }
  return { markers, notes }
}

const timeSection = (grid: ResultGrid, bytes: number): Section => {
  const cells = grid.cells.filter((c) => c.bytesPerConnection === bytes)
  const { markers, notes } = numberNotes(grid, cells)
  const rows = grid.targets.map((target) => [
    { text: grid.label(target.name) },
    ...grid.connections.map((n): TableCell => {
      const cell = grid.at(target.name, n, bytes)!
      return {
        text: timeText(cell, markers.get(cell)),
        tone: toneOf(cell),
        ...(cell.reason ? { title: cell.reason } : {})
      }
    })
  ])
  const clientBound = cells.some((c) => c.status === "ok" && c.summary?.clientBound)
  const allNotes = [...(clientBound ? [{ marker: CLIENT_BOUND_MARK, text: CLIENT_BOUND_LEGEND }] : []), ...notes]
  return {
    id: `time-${bytes}`,
    heading: `${formatSize(bytes)} per connection`,
    level: 3,
    blocks: [
      {
        _tag: "Chart",
        name: `throughput-${bytes}`,
        title: `Echoed MB/s by connection count, ${formatSize(bytes)} per connection`
      },
      table({
        header: ["target", ...grid.connections.map((n) => `${formatCount(n)} conn.`)],
        numeric: [false, ...grid.connections.map(() => true)],
        rows
      }),
      ...(allNotes.length > 0 ? [{ _tag: "Notes", notes: allNotes } as const] : [])
    ]
  }
}

/** Server cost at the largest connection count each target completed, per size. */
const resourcesSection = (grid: ResultGrid): Section => {
  const blocks: Array<Block> = [
    paragraph(
      "For each target, the largest connection count it completed at each size, from its fastest repetition. CPU is the server process's user + system time (softirq work on its core is not in it, but is in the core's busy share); context switches are voluntary + involuntary; peak RSS is VmHWM, so it includes the process's own base memory. Every cell's figures are in the last section and in results.csv."
    )
  ]
  for (const bytes of grid.sizes) {
    const rows = grid.targets.map((target): ReadonlyArray<TableCell> => {
      const done = grid.connections
        .map((n) => grid.at(target.name, n, bytes)!)
        .filter((c) => c.status === "ok" && c.summary !== undefined)
      const cell = done[done.length - 1]
      if (cell === undefined) {
        return [{ text: grid.label(target.name) }, { text: "no completed cell", tone: "skipped" }, ...blank(7)]
      }
      const s = cell.summary!
      return [
        { text: grid.label(target.name) },
        { text: formatCount(cell.connections) },
        {
          text: `${formatSeconds(s.minSeconds)}${s.clientBound ? ` ${CLIENT_BOUND_MARK}` : ""}`,
          tone: toneOf(cell)
        },
        { text: number(s.serverCpuSeconds, formatSeconds) },
        { text: number(s.serverContextSwitches, formatCount) },
        { text: number(s.serverPeakRssBytes, formatMiB) },
        { text: memoryText(grid, cell) },
        { text: number(s.serverCoreBusy, formatPercent) },
        { text: number(s.clientCoreBusy, formatPercent) }
      ]
    })
    blocks.push(paragraph(`${formatSize(bytes)} per connection:`))
    blocks.push(
      table({
        header: [
          "target",
          "connections",
          "min s",
          "server CPU s",
          "context switches",
          "peak RSS MiB",
          "KiB / conn. above idle",
          "server core busy",
          "client core busy"
        ],
        numeric: [false, true, true, true, true, true, true, true, true],
        rows
      })
    )
  }
  if (grid.cells.some((c) => c.status === "ok" && c.summary?.clientBound)) {
    blocks.push({ _tag: "Notes", notes: [{ marker: CLIENT_BOUND_MARK, text: CLIENT_BOUND_LEGEND }] })
  }
  return { id: "resources", heading: "Server resources", level: 2, blocks }
}

/** Peak RSS above the idle server's, per connection; "≈" where the idle figure is the one-connection estimate. */
const memoryText = (grid: ResultGrid, cell: GridCell) => {
  const f = cellFigures(grid, cell)
  if (f?.memoryPerConnectionBytes === undefined) return "–"
  return `${f.memoryEstimated ? "≈ " : ""}${formatKiB(f.memoryPerConnectionBytes)}`
}

const blank = (n: number): Array<TableCell> => Array.from({ length: n }, () => ({ text: "" }))

/** A figure the run may lack (no /proc here): a dash instead of NaN. */
const number = (value: number, format: (v: number) => string) => (Number.isFinite(value) ? format(value) : "–")

const where = (grid: ResultGrid, c: GridCell) =>
  `${grid.label(c.target.name)}, ${formatCount(c.connections)} × ${formatSize(c.bytesPerConnection)}`

const spreadSection = (grid: ResultGrid): Section => {
  const measured = grid.cells.filter((c) => c.status === "ok" && c.summary !== undefined)
  const o = grid.run.options
  const blocks: Array<Block> = [
    paragraph(
      `Each cell ran ${o.repetitions} measured repetition${o.repetitions === 1 ? "" : "s"}${o.warmup ? " after one warm-up" : ""}; the tables show the fastest. Spread is (slowest − fastest) / fastest.`
    )
  ]
  if (measured.length > 0) {
    const spreads = measured.map((c) => c.summary!.spread).sort((a, b) => a - b)
    const worst = measured.reduce((w, c) => (c.summary!.spread > w.summary!.spread ? c : w))
    blocks.push(
      paragraph(
        `Median spread over ${measured.length} cells: ${formatPercent(spreads[Math.floor(spreads.length / 2)]!)}; largest: ${formatPercent(worst.summary!.spread)} (${where(grid, worst)}).`
      )
    )
    const noisy = measured.flatMap((c) => {
      const noise = noiseOf(c)
      return noise.length > 0 ? [{ c, noise }] : []
    })
    blocks.push(
      noisy.length === 0
        ? paragraph(`No cell is noisy. ${NOISY_LEGEND}`)
        : paragraph(`${NOISY_MARK} ${NOISY_LEGEND} Noisy cells (${noisy.length} of ${measured.length}):`)
    )
    if (noisy.length > 0) {
      blocks.push(
        table({
          header: ["target", "cell", "min s", "max s", "why noisy"],
          numeric: [false, false, true, true, false],
          rows: noisy.map(({ c, noise }) => [
            { text: grid.label(c.target.name) },
            { text: `${formatCount(c.connections)} × ${formatSize(c.bytesPerConnection)}` },
            { text: formatSeconds(c.summary!.minSeconds) },
            { text: formatSeconds(c.summary!.maxSeconds) },
            { text: noise.join("; ") }
          ])
        })
      )
    }
  }
  return { id: "spread", heading: "Spread of repetitions", level: 2, blocks }
}

/** Latency, memory and CPU at the headline cell, as charts. */
const costSections = (grid: ResultGrid): ReadonlyArray<Section> =>
  headlineCell(grid) === undefined
    ? []
    : [
        {
          id: "costs",
          heading: "Latency, memory and CPU at the headline cell",
          level: 2,
          blocks: [
            { _tag: "Chart", name: "latency", title: "Chunk round-trip latency p50 and p99" },
            { _tag: "Chart", name: "memory", title: "Server memory per connection" },
            { _tag: "Chart", name: "cpu", title: "Server core CPU split and context switches" }
          ]
        }
      ]

const allCellsSection = (grid: ResultGrid): Section => ({
  id: "cells",
  heading: "Every cell",
  level: 2,
  blocks: [
    table({
      header: [
        "target",
        "connections",
        "size",
        "status",
        "min s",
        "median s",
        "max s",
        "spread",
        "MB/s",
        "server CPU s",
        "context switches",
        "peak RSS MiB",
        "server core",
        "client core",
        "note"
      ],
      numeric: [false, true, true, false, true, true, true, true, true, true, true, true, true, true, false],
      rows: grid.cells.map((c) => {
        const s = c.status === "ok" ? c.summary : undefined
        const head: Array<TableCell> = [
          { text: grid.label(c.target.name) },
          { text: formatCount(c.connections) },
          { text: formatSize(c.bytesPerConnection) },
          { text: c.status === "ok" ? "ok" : statusWord[c.status], tone: toneOf(c) }
        ]
        if (s === undefined) return [...head, ...blank(10), { text: c.reason ?? "" }]
        return [
          ...head,
          { text: formatSeconds(s.minSeconds) },
          { text: formatSeconds(s.medianSeconds) },
          { text: formatSeconds(s.maxSeconds) },
          { text: formatPercent(s.spread) },
          { text: formatMbPerSecond(s.mbPerSecond) },
          { text: number(s.serverCpuSeconds, formatSeconds) },
          { text: number(s.serverContextSwitches, formatCount) },
          { text: number(s.serverPeakRssBytes, formatMiB) },
          { text: number(s.serverCoreBusy, formatPercent) },
          { text: number(s.clientCoreBusy, formatPercent) },
          s.clientBound ? { text: `${CLIENT_BOUND_MARK} client-bound`, tone: "clientBound" } : { text: "" }
        ]
      })
    })
  ]
})

export const reportDocument = (run: RunFile): ReportDocument => {
  const grid = resultGrid(run)
  const o = run.options
  const sections: Array<Section> = [
    ...headlineSections(grid),
    {
      id: "flood",
      heading: "Flood throughput and time",
      level: 2,
      blocks: [
        paragraph(
          `Each connection sends its payload in ${formatSize(o.chunk)} chunks, at most ${formatSize(o.window)} unechoed, and verifies every echoed byte. A cell shows the minimum wall time (first connect to last verified byte) of ${o.repetitions} repetition${o.repetitions === 1 ? "" : "s"} and that repetition's echoed payload rate in MB/s (10^6 bytes/s). Servers ran on CPUs ${o.serverCpus}, the ${run.environment.clientRuntime} ${run.environment.clientRuntimeVersion} client (${o.client}) on CPUs ${o.clientCpus}.${o.sharedCpus === undefined ? "" : ` Server and client shared CPUs ${o.sharedCpus}: they competed for those cores, and each side's core load includes the other's work.`}`
        )
      ]
    },
    ...grid.sizes.map((bytes) => timeSection(grid, bytes)),
    ...originalSections(run),
    ...costSections(grid),
    resourcesSection(grid),
    spreadSection(grid),
    targetsSection(grid),
    environmentSection(run),
    optionsSection(run),
    allCellsSection(grid)
  ]
  return { title: runTitle(run), status: runStatus(grid), complete: run.complete, sections }
}
