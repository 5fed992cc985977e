/**
 * The run as the reports see it: every target × size × connection count of
 * the matrix resolved to a status, with a reason for anything that is not
 * `ok` and a summary for everything that is. Cells the run never wrote
 * (an interrupted run, a target left out) are resolved here too, so no
 * report can leave a position silently empty.
 */
import { summarizeCell } from "../run/CellSummary.ts"
import type { Cell, CellStatus, CellSummary, RunFile, TargetInfo } from "../run/RunFile.ts"

export interface GridCell {
  readonly target: TargetInfo
  readonly connections: number
  readonly bytesPerConnection: number
  readonly status: CellStatus
  /** Always set unless the status is `ok`. */
  readonly reason: string | undefined
  /** Set when the status is `ok`; a failed cell may carry one from the repetitions that did finish. */
  readonly summary: CellSummary | undefined
  /** The cell as written in run.json, when it was written. */
  readonly cell: Cell | undefined
}

export interface ResultGrid {
  readonly run: RunFile
  /** run.targets in their order, then any target named only by the options or a cell. */
  readonly targets: ReadonlyArray<TargetInfo>
  /** Payload sizes, ascending. */
  readonly sizes: ReadonlyArray<number>
  /** Connection counts, ascending. */
  readonly connections: ReadonlyArray<number>
  /** Every position: by size, then target, then connection count. */
  readonly cells: ReadonlyArray<GridCell>
  /** The cell at a position of the matrix; undefined outside it. */
  readonly at: (target: string, connections: number, bytesPerConnection: number) => GridCell | undefined
  /** A unique series name per target: its display name, with the target name added where two share one. */
  readonly label: (target: string) => string
}

const key = (target: string, connections: number, bytes: number) => `${target}\u0000${connections}\u0000${bytes}`

const ascending = (values: Iterable<number>) => [...new Set(values)].sort((a, b) => a - b)

const unknownTarget = (name: string): TargetInfo => ({
  name,
  displayName: name,
  kind: "unknown",
  language: "unknown",
  framework: "unknown",
  version: "unknown",
  available: true,
  noDelay: false,
  notes: []
})

const resolve = (
  run: RunFile,
  target: TargetInfo,
  connections: number,
  bytes: number,
  cell: Cell | undefined
): GridCell => {
  const base = { target, connections, bytesPerConnection: bytes, cell }
  if (cell === undefined) {
    if (!target.available) {
      return { ...base, status: "skipped", reason: target.reason ?? "target not available here", summary: undefined }
    }
    const reason = run.complete
      ? "not in run.json: the run never measured it"
      : run.interruptedAt !== undefined
        ? `not measured: the run was interrupted at ${run.interruptedAt}`
        : "not measured yet: the run is still going or stopped without a record"
    return { ...base, status: "pending", reason, summary: undefined }
  }
  // Recomputed, not read: a summary stored by an older version may have been computed differently.
  const summary = summarizeCell(cell.samples)
  switch (cell.status) {
    case "ok":
      return summary === undefined
        ? { ...base, status: "failed", reason: cell.reason ?? "marked ok but no repetition finished", summary }
        : { ...base, status: "ok", reason: cell.reason, summary }
    case "failed":
      return { ...base, status: "failed", reason: cell.reason ?? "failed without a recorded reason", summary }
    case "skipped":
      return {
        ...base,
        status: "skipped",
        reason: cell.reason ?? target.reason ?? "skipped without a recorded reason",
        summary: undefined
      }
    case "pending":
      return {
        ...base,
        status: "pending",
        reason:
          cell.reason ??
          (run.interruptedAt !== undefined
            ? `not finished: the run was interrupted at ${run.interruptedAt}`
            : "not finished yet"),
        summary: undefined
      }
  }
}

export const resultGrid = (run: RunFile): ResultGrid => {
  const byKey = new Map<string, Cell>()
  for (const cell of run.cells) byKey.set(key(cell.target, cell.connections, cell.bytesPerConnection), cell)

  const targets = [...run.targets]
  const known = new Set(targets.map((t) => t.name))
  for (const name of [...run.options.targets, ...run.cells.map((c) => c.target)]) {
    if (!known.has(name)) {
      known.add(name)
      targets.push(unknownTarget(name))
    }
  }
  const sizes = ascending([...run.options.bytes, ...run.cells.map((c) => c.bytesPerConnection)])
  const connections = ascending([...run.options.connections, ...run.cells.map((c) => c.connections)])

  const resolved = new Map<string, GridCell>()
  const cells: Array<GridCell> = []
  for (const bytes of sizes) {
    for (const target of targets) {
      for (const n of connections) {
        const k = key(target.name, n, bytes)
        const cell = resolve(run, target, n, bytes, byKey.get(k))
        resolved.set(k, cell)
        cells.push(cell)
      }
    }
  }

  const displayCounts = new Map<string, number>()
  for (const t of targets) displayCounts.set(t.displayName, (displayCounts.get(t.displayName) ?? 0) + 1)
  const labels = new Map(
    targets.map((t) => [t.name, displayCounts.get(t.displayName)! > 1 ? `${t.displayName} (${t.name})` : t.displayName])
  )

  return {
    run,
    targets,
    sizes,
    connections,
    cells,
    at: (target, n, bytes) => resolved.get(key(target, n, bytes)),
    label: (target) => labels.get(target) ?? target
  }
}

/** How many positions of the matrix have each status. */
export const statusCounts = (grid: ResultGrid): Record<CellStatus, number> => {
  const counts: Record<CellStatus, number> = { ok: 0, failed: 0, skipped: 0, pending: 0 }
  for (const cell of grid.cells) counts[cell.status]++
  return counts
}
