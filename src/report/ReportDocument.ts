/**
 * What a report says, decided once: sections of paragraphs, tables, notes and
 * charts built from a run. The Markdown and HTML reports only render this, so
 * they cannot disagree about a number, a mark or a reason.
 */
import type { CellStatus, RunFile } from "../run/RunFile.ts"
import {
  formatCount,
  formatGiB,
  formatKiB,
  formatMbPerSecond,
  formatMiB,
  formatPercent,
  formatRatio,
  formatSeconds,
  formatSize
} from "./NumberFormat.ts"
import { type GridCell, type ResultGrid, resultGrid, statusCounts } from "./ResultGrid.ts"
import type { Table, TableCell, Tone } from "./Table.ts"

export interface Note {
  readonly marker: string
  readonly text: string
}

export type Block =
  | { readonly _tag: "Paragraph"; readonly text: string }
  | { readonly _tag: "Table"; readonly table: Table }
  | { readonly _tag: "Notes"; readonly notes: ReadonlyArray<Note> }
  | { readonly _tag: "List"; readonly items: ReadonlyArray<string> }
  /** The time-against-connections chart of one payload size. */
  | { readonly _tag: "Chart"; readonly bytes: number; readonly title: string }

export interface Section {
  readonly id: string
  readonly heading: string
  readonly level: 2 | 3
  readonly blocks: ReadonlyArray<Block>
}

export interface ReportDocument {
  readonly title: string
  readonly status: string
  readonly complete: boolean
  readonly sections: ReadonlyArray<Section>
}

export const CLIENT_BOUND_MARK = "‡"

export const CLIENT_BOUND_LEGEND =
  "client-bound: the client's core, not the server's, was the bottleneck (client core above 90% and busier than the server core), so the server may be faster than shown."

/** Spreads above this are listed by name: the minimum of such a cell is less sure. */
const NOISY_SPREAD = 0.1

const statusWord: Record<Exclude<CellStatus, "ok">, string> = {
  failed: "FAILED",
  skipped: "skipped",
  pending: "pending"
}

const paragraph = (text: string): Block => ({ _tag: "Paragraph", text })
const table = (t: Table): Block => ({ _tag: "Table", table: t })

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
    return `${formatSeconds(s.minSeconds)} s · ${formatMbPerSecond(s.mbPerSecond)} MB/s${s.clientBound ? ` ${CLIENT_BOUND_MARK}` : ""}`
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
      { _tag: "Chart", bytes, title: `Flood time, ${formatSize(bytes)} per connection (log–log)` },
      table({
        header: ["target", ...grid.connections.map((n) => `${formatCount(n)} conn.`)],
        numeric: [false, ...grid.connections.map(() => true)],
        rows
      }),
      ...(allNotes.length > 0 ? [{ _tag: "Notes", notes: allNotes } as const] : [])
    ]
  }
}

/** The biggest cell of the run where anything finished, fastest target first. */
const headline = (grid: ResultGrid): Block | undefined => {
  for (const bytes of [...grid.sizes].reverse()) {
    for (const n of [...grid.connections].reverse()) {
      const here = grid.targets.map((t) => grid.at(t.name, n, bytes)!)
      const ok = here.filter((c) => c.status === "ok" && c.summary !== undefined)
      if (ok.length === 0) continue
      ok.sort((a, b) => a.summary!.minSeconds - b.summary!.minSeconds)
      const best = ok[0]!.summary!.minSeconds
      const rows = [
        ...ok.map((c): ReadonlyArray<TableCell> => {
          const s = c.summary!
          return [
            { text: grid.label(c.target.name) },
            { text: formatSeconds(s.minSeconds) },
            { text: formatMbPerSecond(s.mbPerSecond) },
            { text: formatRatio(s.minSeconds / best) },
            s.clientBound ? { text: CLIENT_BOUND_MARK, tone: "clientBound", title: CLIENT_BOUND_LEGEND } : { text: "" }
          ]
        }),
        ...here
          .filter((c) => c.status !== "ok")
          .map(
            (c): ReadonlyArray<TableCell> => [
              { text: grid.label(c.target.name) },
              { text: statusWord[c.status as Exclude<CellStatus, "ok">], tone: c.status },
              { text: "" },
              { text: "" },
              { text: c.reason ?? "" }
            ]
          )
      ]
      return table({
        header: [`${formatCount(n)} × ${formatSize(bytes)}`, "min s", "MB/s", "vs fastest", ""],
        numeric: [false, true, true, true, false],
        rows
      })
    }
  }
  return undefined
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
        { text: number(s.serverPeakRssBytes / cell.connections, formatKiB) },
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
          "RSS KiB / conn.",
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
    const noisy = measured.filter((c) => c.summary!.spread > NOISY_SPREAD)
    blocks.push(
      noisy.length === 0
        ? paragraph(`No cell spread more than ${formatPercent(NOISY_SPREAD)}.`)
        : {
            _tag: "List",
            items: noisy.map(
              (c) =>
                `${where(grid, c)}: ${formatPercent(c.summary!.spread)} (${formatSeconds(c.summary!.minSeconds)}–${formatSeconds(c.summary!.maxSeconds)} s)`
            )
          }
    )
  }
  return { id: "spread", heading: "Spread of repetitions", level: 2, blocks }
}

const targetsSection = (grid: ResultGrid): Section => {
  const withNotes = grid.targets.filter((t) => t.notes.length > 0)
  return {
    id: "targets",
    heading: "Targets",
    level: 2,
    blocks: [
      table({
        header: ["target", "name", "kind", "language", "framework", "version", "TCP_NODELAY", "here"],
        numeric: [false, false, false, false, false, false, false, false],
        rows: grid.targets.map((t) => [
          { text: grid.label(t.name) },
          { text: t.name },
          { text: t.kind },
          { text: t.language },
          { text: t.framework },
          { text: t.version },
          { text: t.noDelay ? "yes" : "no" },
          t.available
            ? { text: "available", tone: "ok" }
            : { text: `unavailable: ${t.reason ?? "no reason recorded"}`, tone: "skipped" }
        ])
      }),
      ...(withNotes.length > 0
        ? [
            {
              _tag: "List",
              items: withNotes.flatMap((t) => t.notes.map((n) => `${grid.label(t.name)}: ${n}`))
            } as const
          ]
        : [])
    ]
  }
}

const keyValue = (pairs: ReadonlyArray<readonly [string, string]>): Block =>
  table({
    header: ["", ""],
    numeric: [false, false],
    rows: pairs.map(([k, v]) => [{ text: k }, { text: v }])
  })

const environmentSection = (run: RunFile): Section => {
  const e = run.environment
  const sysctls = Object.entries(e.sysctls).sort(([a], [b]) => a.localeCompare(b))
  return {
    id: "environment",
    heading: "Environment",
    level: 2,
    blocks: [
      keyValue([
        ["host", e.host],
        ["kernel", e.kernel],
        ["CPU", e.cpuModel],
        ["cores", String(e.cpus)],
        ["memory", formatGiB(e.memoryBytes)],
        ["CPU governor", e.governor ?? "unknown"],
        ["client runtime", `${e.clientRuntime} ${e.clientRuntimeVersion}`],
        ["open files (soft / hard)", `${e.openFiles.soft} / ${e.openFiles.hard}`],
        ["git commit", e.gitCommit],
        ["started", run.startedAt],
        ["last written", run.updatedAt],
        ...(run.interruptedAt !== undefined ? [["interrupted", run.interruptedAt] as const] : [])
      ]),
      ...(sysctls.length > 0
        ? [
            paragraph("sysctls:"),
            table({
              header: ["sysctl", "value"],
              numeric: [false, false],
              // Multi-value sysctls are tab-separated in /proc/sys; spaces read the same and fit a table.
              rows: sysctls.map(([k, v]) => [{ text: k }, { text: v.replace(/\s+/g, " ") }])
            })
          ]
        : [])
    ]
  }
}

const optionsSection = (run: RunFile): Section => {
  const o = run.options
  return {
    id: "options",
    heading: "Options",
    level: 2,
    blocks: [
      keyValue([
        ["targets", o.targets.join(", ")],
        ["client", o.client],
        ["connections", o.connections.join(", ")],
        ["bytes per connection", o.bytes.map((b) => `${b} (${formatSize(b)})`).join(", ")],
        ["repetitions", `${o.repetitions}${o.warmup ? " + 1 warm-up" : ""}`],
        ["chunk", `${o.chunk} (${formatSize(o.chunk)})`],
        ["window", `${o.window} (${formatSize(o.window)})`],
        ["server CPUs", o.serverCpus],
        ["client CPUs", o.clientCpus],
        ["pause between cells", `${o.pauseSeconds} s`],
        ["timeout per flood", `${o.timeoutSeconds} s`],
        ["quick", o.quick ? "yes" : "no"],
        ["saturation phase", o.saturate ? "yes" : "no"]
      ])
    ]
  }
}

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
  const top = headline(grid)
  const sections: Array<Section> = [
    {
      id: "flood",
      heading: "Flood time",
      level: 2,
      blocks: [
        paragraph(
          `Each connection sends its payload in ${formatSize(o.chunk)} chunks, at most ${formatSize(o.window)} unechoed, and verifies every echoed byte. A cell shows the minimum wall time (first connect to last verified byte) of ${o.repetitions} repetition${o.repetitions === 1 ? "" : "s"} and that repetition's echoed payload rate in MB/s (10^6 bytes/s). Servers ran on CPUs ${o.serverCpus}, the ${run.environment.clientRuntime} ${run.environment.clientRuntimeVersion} client (${o.client}) on CPUs ${o.clientCpus}.`
        ),
        ...(top !== undefined ? [paragraph("The largest cell where anything finished:"), top] : [])
      ]
    },
    ...grid.sizes.map((bytes) => timeSection(grid, bytes)),
    resourcesSection(grid),
    spreadSection(grid),
    targetsSection(grid),
    environmentSection(run),
    optionsSection(run),
    allCellsSection(grid)
  ]
  return { title: runTitle(run), status: runStatus(grid), complete: run.complete, sections }
}
