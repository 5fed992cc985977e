/**
 * A comparison of two runs as Markdown: first every cell whose status
 * changed (FAILED → ok, ok → FAILED, …); then what differs between the two
 * runs' machines, versions and options, since a ratio across machines means
 * little; then, for every cell both runs finished, the ratio B/A of the
 * minimum time and of MB/s with a significance test over the repetitions;
 * the geometric mean of the time ratios; and one line per side for the
 * cells only one run has.
 */

import { formatMbPerSecond, formatRatio, formatSeconds, formatSize } from "../run/NumberFormat.ts"
import type { CellSummary, RunFile } from "../run/RunFile.ts"
import { CLIENT_BOUND_MARK, statusWord } from "./ReportBlocks.ts"
import { type GridCell, type ResultGrid, resultGrid } from "./ResultGrid.ts"
import { ALPHA, isSignificant, repetitionSeconds, timePValue } from "./RunSignificance.ts"
import { escapeMarkdown, markdownTable, plainTable } from "./Table.ts"

/** One cell both runs finished. */
export interface ComparedCell {
  readonly target: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly a: GridCell
  readonly b: GridCell
  /** B's minimum seconds over A's: below 1, B was faster. */
  readonly timeRatio: number
  /** B's MB/s over A's: above 1, B echoed faster. */
  readonly throughputRatio: number
  /** Welch's t-test over the log times of both runs' repetitions; undefined with fewer than two a side. */
  readonly pValue: number | undefined
}

/** A cell at least one run did not finish, with what each has. */
export interface UnmatchedCell {
  readonly target: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly a: GridCell | undefined
  readonly b: GridCell | undefined
}

export interface Comparison {
  readonly a: ResultGrid
  readonly b: ResultGrid
  readonly compared: ReadonlyArray<ComparedCell>
  readonly unmatched: ReadonlyArray<UnmatchedCell>
}

const finished = (cell: GridCell | undefined): cell is GridCell & { readonly summary: CellSummary } =>
  cell !== undefined && cell.status === "ok" && cell.summary !== undefined

export const compareRuns = (runA: RunFile, runB: RunFile): Comparison => {
  const a = resultGrid(runA)
  const b = resultGrid(runB)
  const sizes = [...new Set([...a.sizes, ...b.sizes])].sort((x, y) => x - y)
  const connections = [...new Set([...a.connections, ...b.connections])].sort((x, y) => x - y)
  const targets = [...new Set([...b.targets.map((t) => t.name), ...a.targets.map((t) => t.name)])]
  const compared: Array<ComparedCell> = []
  const unmatched: Array<UnmatchedCell> = []
  for (const bytes of sizes) {
    for (const target of targets) {
      for (const n of connections) {
        const ca = a.at(target, n, bytes)
        const cb = b.at(target, n, bytes)
        if (ca === undefined && cb === undefined) continue
        const at = { target, connections: n, bytesPerConnection: bytes }
        if (finished(ca) && finished(cb)) {
          compared.push({
            ...at,
            a: ca,
            b: cb,
            timeRatio: cb.summary.minSeconds / ca.summary.minSeconds,
            throughputRatio: cb.summary.mbPerSecond / ca.summary.mbPerSecond,
            pValue: timePValue(repetitionSeconds(ca.cell?.samples ?? []), repetitionSeconds(cb.cell?.samples ?? []))
          })
        } else {
          unmatched.push({ ...at, a: ca, b: cb })
        }
      }
    }
  }
  return { a, b, compared, unmatched }
}

/**
 * Cells both runs finished where B is significantly slower than A by more
 * than `percent`: what `report --compare --fail-if-slower` fails on.
 */
export const slowerCells = (c: Comparison, percent: number): ReadonlyArray<ComparedCell> =>
  c.compared.filter((x) => x.timeRatio > 1 + percent / 100 && isSignificant(x.pValue))

const word = (cell: GridCell | undefined) =>
  cell === undefined ? "absent" : cell.status === "ok" ? "ok" : statusWord[cell.status]

/** Cells in both runs whose status differs, e.g. FAILED in A and ok in B. */
export const statusChanges = (c: Comparison): ReadonlyArray<UnmatchedCell> =>
  c.unmatched.filter((u) => u.a !== undefined && u.b !== undefined && u.a.status !== u.b.status)

export const geometricMean = (values: ReadonlyArray<number>) =>
  Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length)

const label = (c: Comparison, target: string) =>
  c.b.targets.some((t) => t.name === target) ? c.b.label(target) : c.a.label(target)

/** Where a group of cells is: "10, 100 × 32 KiB; 1000 × 512 KiB". */
const places = (cells: ReadonlyArray<UnmatchedCell>) =>
  [...new Set(cells.map((u) => u.bytesPerConnection))]
    .map(
      (bytes) =>
        `${cells
          .filter((u) => u.bytesPerConnection === bytes)
          .map((u) => u.connections)
          .join(", ")} × ${formatSize(bytes)}`
    )
    .join("; ")

/**
 * One line per target and pair of outcomes, so a target skipped in both runs
 * for the same reason takes one line, not one per cell.
 */
const groupedLines = (c: Comparison, cells: ReadonlyArray<UnmatchedCell>, outcome: (u: UnmatchedCell) => string) => {
  const groups = new Map<string, { target: string; outcome: string; cells: Array<UnmatchedCell> }>()
  for (const u of cells) {
    const o = outcome(u)
    const k = `${u.target}\u0000${o}`
    const group = groups.get(k) ?? { target: u.target, outcome: o, cells: [] }
    group.cells.push(u)
    groups.set(k, group)
  }
  return [...groups.values()].map(
    (g) => `- ${escapeMarkdown(`${label(c, g.target)}, ${places(g.cells)}: ${g.outcome}`)}`
  )
}

/** Cells only one run has, as one line per side naming the targets and how many cells each. */
const onlyInLine = (c: Comparison, name: "A" | "B", cells: ReadonlyArray<UnmatchedCell>) => {
  if (cells.length === 0) return undefined
  const counts = new Map<string, number>()
  for (const u of cells) counts.set(u.target, (counts.get(u.target) ?? 0) + 1)
  const list = [...counts].map(([t, n]) => `${label(c, t)} (${n})`).join(", ")
  return `- ${escapeMarkdown(`Only in ${name}: ${cells.length} cell${cells.length === 1 ? "" : "s"}: ${list}`)}`
}

const pText = (p: number | undefined) => (p === undefined ? "n/a" : p < 0.001 ? "≤0.001" : p.toFixed(3))

const verdict = (x: ComparedCell) =>
  !isSignificant(x.pValue) ? "" : x.timeRatio > 1 ? "slower" : x.timeRatio < 1 ? "faster" : ""

/** The settings of a run that change what a ratio means. */
const profile = (run: RunFile): ReadonlyArray<readonly [string, string]> => {
  const e = run.environment
  const o = run.options
  return [
    ["host", e.host],
    ["kernel", e.kernel],
    ["CPU", `${e.cpuModel} × ${e.cpus}`],
    ["memory", String(e.memoryBytes)],
    ["CPU governor", e.governor ?? "unknown"],
    ["client runtime", `${e.clientRuntime} ${e.clientRuntimeVersion}`],
    ["git commit", e.gitCommit],
    ["open files", `${e.openFiles.soft} / ${e.openFiles.hard}`],
    ["client", o.client],
    ["repetitions", `${o.repetitions}${o.warmup ? " + warm-up" : ""}`],
    ["chunk / window", `${o.chunk} / ${o.window}`],
    [
      "server / client CPUs",
      `${o.serverCpus} / ${o.clientCpus}${o.sharedCpus === undefined ? "" : ` (sharing ${o.sharedCpus})`}`
    ],
    ...Object.entries(e.sysctls).map(([k, v]) => [k, v.replace(/\s+/g, " ")] as const),
    ...run.targets.map((t) => [`${t.name} version`, t.version] as const)
  ]
}

export const renderComparison = (runA: RunFile, runB: RunFile): string => {
  const c = compareRuns(runA, runB)
  const changes = statusChanges(c)
  const onlyA = c.unmatched.filter((u) => u.b === undefined)
  const onlyB = c.unmatched.filter((u) => u.a === undefined)
  const neither = c.unmatched.filter((u) => u.a !== undefined && u.b !== undefined && u.a.status === u.b.status)
  const out: Array<string> = [
    `# echoflood comparison: ${escapeMarkdown(runB.id)} (B) against ${escapeMarkdown(runA.id)} (A)`,
    escapeMarkdown(
      `Ratios are B / A. A time ratio below 1.00× means B finished faster; an MB/s ratio above 1.00× means B echoed faster. ${c.compared.length} cells finished in both runs, ${changes.length} changed status, ${onlyA.length + onlyB.length} are in one run only.${runA.complete ? "" : " Run A is incomplete."}${runB.complete ? "" : " Run B is incomplete."}`
    )
  ]

  out.push("## Status changes")
  out.push(
    changes.length === 0
      ? "No cell changed status."
      : groupedLines(c, changes, (u) => {
          const why = u.a!.status !== "ok" ? `A: ${u.a!.reason ?? ""}` : `B: ${u.b!.reason ?? ""}`
          return `${word(u.a)} → ${word(u.b)} (${why})`
        }).join("\n")
  )

  if (c.compared.length > 0) {
    const slower = c.compared.filter((x) => verdict(x) === "slower").length
    const faster = c.compared.filter((x) => verdict(x) === "faster").length
    const untested = c.compared.filter((x) => x.pValue === undefined).length
    out.push("## Overall")
    out.push(
      escapeMarkdown(
        `Geometric mean of B/A time over the ${c.compared.length} cells both runs finished: ${formatRatio(geometricMean(c.compared.map((x) => x.timeRatio)))}. Significantly slower in B: ${slower}; significantly faster: ${faster} (Welch's t-test on the log times of the repetitions, p below ${ALPHA})${untested > 0 ? `; ${untested} cells had fewer than two repetitions on a side and were not tested` : ""}.`
      )
    )
  }

  const pa = new Map(profile(runA))
  const pb = new Map(profile(runB))
  const keys = [...new Set([...pa.keys(), ...pb.keys()])]
  const differ = keys.filter((k) => pa.get(k) !== pb.get(k))
  out.push("## What differs between the runs")
  out.push(
    differ.length === 0
      ? "Same machine, versions, sysctls and options as far as run.json records them."
      : markdownTable(
          plainTable(
            ["", "A", "B"],
            [false, false, false],
            differ.map((k) => [k, pa.get(k) ?? "–", pb.get(k) ?? "–"])
          )
        )
  )

  const anyClientBound = c.compared.some((x) => x.a.summary!.clientBound || x.b.summary!.clientBound)
  for (const bytes of [...new Set(c.compared.map((x) => x.bytesPerConnection))]) {
    out.push(`## ${formatSize(bytes)} per connection`)
    out.push(
      markdownTable(
        plainTable(
          ["target", "connections", "A min s", "B min s", "B/A time", "p", "", "A MB/s", "B MB/s", "B/A MB/s", "note"],
          [false, true, true, true, true, true, false, true, true, true, false],
          c.compared
            .filter((x) => x.bytesPerConnection === bytes)
            .map((x) => {
              const ab = x.a.summary!.clientBound
              const bb = x.b.summary!.clientBound
              const note =
                ab && bb
                  ? `${CLIENT_BOUND_MARK} both client-bound`
                  : ab
                    ? `${CLIENT_BOUND_MARK} A client-bound`
                    : bb
                      ? `${CLIENT_BOUND_MARK} B client-bound`
                      : ""
              return [
                label(c, x.target),
                String(x.connections),
                formatSeconds(x.a.summary!.minSeconds),
                formatSeconds(x.b.summary!.minSeconds),
                formatRatio(x.timeRatio),
                pText(x.pValue),
                verdict(x),
                formatMbPerSecond(x.a.summary!.mbPerSecond),
                formatMbPerSecond(x.b.summary!.mbPerSecond),
                formatRatio(x.throughputRatio),
                note
              ]
            })
        )
      )
    )
  }
  if (anyClientBound) {
    out.push(
      `${CLIENT_BOUND_MARK} client-bound: in that run the client's core, not the server's, was the bottleneck, so the server may be faster than its time shows and the ratio says less about the server.`
    )
  }

  if (c.compared.length > 0) {
    const targets = [...new Set(c.compared.map((x) => x.target))]
    out.push("## Per target")
    out.push(
      "Geometric mean of the time ratio B/A over the cells both runs finished; client-bound cells are left out where a target has others."
    )
    out.push(
      markdownTable(
        plainTable(
          ["target", "cells", "B/A time (geometric mean)"],
          [false, true, true],
          targets.map((t) => {
            const mine = c.compared.filter((x) => x.target === t)
            const serverBound = mine.filter((x) => !x.a.summary!.clientBound && !x.b.summary!.clientBound)
            const used = serverBound.length > 0 ? serverBound : mine
            return [label(c, t), String(used.length), formatRatio(geometricMean(used.map((x) => x.timeRatio)))]
          })
        )
      )
    )
  }

  out.push("## In one run only")
  const only = [onlyInLine(c, "A", onlyA), onlyInLine(c, "B", onlyB)].filter((l) => l !== undefined)
  out.push(only.length === 0 ? "Both runs have the same cells." : only.join("\n"))
  if (neither.length > 0) {
    out.push("## Not finished in either")
    out.push(
      groupedLines(
        c,
        neither,
        (u) => `${word(u.a)} in both: ${u.b!.reason ?? u.a!.reason ?? "no reason recorded"}`
      ).join("\n")
    )
  }
  return `${out.join("\n\n")}\n`
}
