/**
 * The original's 2017 figures beside this run's: for 32,768 connections ×
 * 512 KiB, seconds then and now and each server's ratio to the fastest then
 * and now, so a change in ranking shows at a glance. A function of run.json
 * alone; no table when the run has no such cell.
 */
import type { RunFile } from "../run/RunFile.ts"
import { originalFigures, originalSource } from "./OriginalFigures.ts"
import { CLIENT_BOUND_MARK, paragraph, type Section, statusWord, table } from "./ReportBlocks.ts"
import { plainTable, type Table } from "./Table.ts"

export interface OriginalRow {
  readonly server: string
  readonly target: string
  readonly thenSeconds: number
  readonly nowSeconds: number | undefined
  /** Why there is no time now: the cell failed or was skipped (its reason), or the run has no such cell. */
  readonly nowMissing: string | undefined
  /** The client, not the server, set the pace of the fastest repetition. */
  readonly nowClientBound: boolean
  readonly thenRatio: number
  readonly nowRatio: number | undefined
}

/** One row per original server, fastest then first; undefined when the run measured none of them at 32k × 512 KiB. */
export const originalRows = (run: RunFile): ReadonlyArray<OriginalRow> | undefined => {
  const { connections, bytesPerConnection } = originalSource.cell
  const now = new Map<string, number>()
  const clientBound = new Set<string>()
  const missing = new Map<string, string>()
  for (const cell of run.cells) {
    if (cell.connections !== connections || cell.bytesPerConnection !== bytesPerConnection) continue
    if (cell.status === "ok" && cell.summary !== undefined) {
      now.set(cell.target, cell.summary.minSeconds)
      if (cell.summary.clientBound) clientBound.add(cell.target)
    } else if (cell.status === "failed" || cell.status === "skipped") {
      // The reason's first clause ("n of m connections failed (stalled n)"); report.md's tables have the rest.
      const reason = cell.reason?.split(";")[0]
      missing.set(cell.target, `${statusWord[cell.status]}${reason === undefined ? "" : `: ${reason}`}`)
    }
  }
  if (!originalFigures.some((f) => now.has(f.target))) return undefined
  const fastestThen = Math.min(...originalFigures.map((f) => f.seconds))
  const measured = originalFigures.flatMap((f) => (now.has(f.target) ? [now.get(f.target)!] : []))
  const fastestNow = Math.min(...measured)
  return [...originalFigures]
    .sort((a, b) => a.seconds - b.seconds)
    .map((f) => {
      const seconds = now.get(f.target)
      return {
        server: f.server,
        target: f.target,
        thenSeconds: f.seconds,
        nowSeconds: seconds,
        nowMissing: seconds === undefined ? (missing.get(f.target) ?? "not measured") : undefined,
        nowClientBound: clientBound.has(f.target),
        thenRatio: f.seconds / fastestThen,
        nowRatio: seconds === undefined ? undefined : seconds / fastestNow
      }
    })
}

export const originalTable = (rows: ReadonlyArray<OriginalRow>): Table =>
  plainTable(
    ["server (then → target now)", "2017 s", "now s", "× fastest 2017", "× fastest now"],
    [false, true, true, true, true],
    rows.map((r) => [
      `${r.server} → ${r.target}`,
      r.thenSeconds.toFixed(2),
      r.nowSeconds === undefined
        ? (r.nowMissing ?? "not measured")
        : `${r.nowSeconds.toFixed(2)}${r.nowClientBound ? ` ${CLIENT_BOUND_MARK}` : ""}`,
      r.thenRatio.toFixed(2),
      r.nowRatio === undefined ? "–" : r.nowRatio.toFixed(2)
    ])
  )

/** The report section (report.md and report.html alike); none when the run has no 32k × 512 KiB cell of an original server. */
export const originalSections = (run: RunFile): ReadonlyArray<Section> => {
  const rows = originalRows(run)
  if (rows === undefined) return []
  return [
    {
      id: "then-and-now",
      heading: "Then and now: 32,768 connections × 512 KiB",
      level: 2,
      blocks: [
        paragraph(
          `Figures of "${originalSource.title}" (${originalSource.published}; ${originalSource.machine}) beside this run's minimum times. C epoll stands in for Scale Stack. Ratios are to the fastest server of the same column; ${CLIENT_BOUND_MARK} marks a time the client, not the server, set.`
        ),
        table(originalTable(rows))
      ]
    }
  ]
}
