/**
 * summary.json: the run reduced to one summary per cell of the matrix, with
 * its status and reason, for tools that want the results without walking
 * every sample of run.json (README tables, regression checks). Its shape is
 * the `Summary` schema below; `src/report/schema/summary.schema.json` is generated from it.
 */
import * as Schema from "effect/Schema"
import { CellStatus, type RunFile } from "../run/RunFile.ts"
import { resultGrid } from "./ResultGrid.ts"

export const SUMMARY_SCHEMA_VERSION = 1

/** A figure /proc could not give is null, not NaN (JSON has no NaN). */
const Figure = Schema.NullOr(Schema.Number)

export const SummaryCell = Schema.Struct({
  target: Schema.String,
  displayName: Schema.String,
  connections: Schema.Number,
  bytesPerConnection: Schema.Number,
  status: CellStatus,
  reason: Schema.optional(Schema.String),
  /** The cell's figures, present when the status is ok (see CellSummary in run.json). */
  minSeconds: Schema.optional(Figure),
  medianSeconds: Schema.optional(Figure),
  maxSeconds: Schema.optional(Figure),
  spread: Schema.optional(Figure),
  mbPerSecond: Schema.optional(Figure),
  clientBound: Schema.optional(Schema.Boolean),
  serverCpuSeconds: Schema.optional(Figure),
  serverContextSwitches: Schema.optional(Figure),
  serverPeakRssBytes: Schema.optional(Figure),
  serverCoreBusy: Schema.optional(Figure),
  clientCoreBusy: Schema.optional(Figure)
})
export type SummaryCell = typeof SummaryCell.Type

export const Summary = Schema.Struct({
  schemaVersion: Schema.Literal(SUMMARY_SCHEMA_VERSION),
  id: Schema.String,
  complete: Schema.Boolean,
  interruptedAt: Schema.optional(Schema.String),
  host: Schema.String,
  gitCommit: Schema.String,
  client: Schema.String,
  targets: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      displayName: Schema.String,
      version: Schema.String,
      available: Schema.Boolean
    })
  ),
  cells: Schema.Array(SummaryCell)
})
export type Summary = typeof Summary.Type

const figures = (summary: Record<string, number | boolean>) =>
  Object.fromEntries(
    Object.entries(summary).map(([k, v]) => [k, typeof v === "number" && !Number.isFinite(v) ? null : v])
  )

export const runSummary = (run: RunFile): Summary => {
  const grid = resultGrid(run)
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
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
      ...(c.status === "ok" && c.summary !== undefined ? figures(c.summary) : {})
    }))
  }
}

export const renderSummaryJson = (run: RunFile): string => `${JSON.stringify(runSummary(run), null, 2)}\n`
