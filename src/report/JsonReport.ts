/**
 * summary.json: the run reduced to one summary per cell of the matrix, with
 * its status and reason, for tools that want the results without walking
 * every sample of run.json (README tables, regression checks).
 */
import type { CellStatus, CellSummary, RunFile } from "../run/RunFile.ts"
import { resultGrid } from "./ResultGrid.ts"

export interface SummaryCell extends Partial<CellSummary> {
  readonly target: string
  readonly displayName: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly status: CellStatus
  readonly reason?: string
}

export interface Summary {
  readonly id: string
  readonly complete: boolean
  readonly interruptedAt?: string
  readonly host: string
  readonly gitCommit: string
  readonly client: string
  readonly targets: ReadonlyArray<{
    readonly name: string
    readonly displayName: string
    readonly version: string
    readonly available: boolean
  }>
  readonly cells: ReadonlyArray<SummaryCell>
}

export const runSummary = (run: RunFile): Summary => {
  const grid = resultGrid(run)
  return {
    id: run.id,
    complete: run.complete,
    ...(run.interruptedAt !== undefined ? { interruptedAt: run.interruptedAt } : {}),
    host: run.environment.host,
    gitCommit: run.environment.gitCommit,
    client: `${run.options.client} (${run.environment.clientRuntime} ${run.environment.clientRuntimeVersion})`,
    targets: grid.targets.map((t) => ({
      name: t.name,
      displayName: grid.label(t.name),
      version: t.version,
      available: t.available
    })),
    cells: grid.cells.map((c) => ({
      target: c.target.name,
      displayName: grid.label(c.target.name),
      connections: c.connections,
      bytesPerConnection: c.bytesPerConnection,
      status: c.status,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.status === "ok" ? c.summary : {})
    }))
  }
}

/** NaN (a figure /proc could not give) becomes null in JSON, as JSON.stringify does anyway. */
export const renderSummaryJson = (run: RunFile): string => `${JSON.stringify(runSummary(run), null, 2)}\n`
