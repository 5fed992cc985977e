/**
 * The original's 2017 figures beside this run's: for 32,768 connections ×
 * 512 KiB, seconds then and now and each server's ratio to the fastest then
 * and now, so a change in ranking shows at a glance. A function of run.json
 * alone; no table when the run has no such cell.
 */
import type { RunFile } from "../run/RunFile.ts"
import { originalFigures, originalSource } from "./OriginalFigures.ts"
import { paragraph, type Section, table } from "./ReportBlocks.ts"
import { plainTable, type Table } from "./Table.ts"

export interface OriginalRow {
  readonly server: string
  readonly target: string
  readonly thenSeconds: number
  readonly nowSeconds: number | undefined
  readonly thenRatio: number
  readonly nowRatio: number | undefined
}

/** One row per original server, fastest then first; undefined when the run measured none of them at 32k × 512 KiB. */
export const originalRows = (run: RunFile): ReadonlyArray<OriginalRow> | undefined => {
  const { connections, bytesPerConnection } = originalSource.cell
  const now = new Map<string, number>()
  for (const cell of run.cells) {
    if (cell.connections !== connections || cell.bytesPerConnection !== bytesPerConnection) continue
    if (cell.status === "ok" && cell.summary !== undefined) now.set(cell.target, cell.summary.minSeconds)
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
      r.nowSeconds === undefined ? "not measured" : r.nowSeconds.toFixed(2),
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
          `Figures of "${originalSource.title}" (${originalSource.published}; ${originalSource.machine}) beside this run's minimum times. C epoll stands in for Scale Stack. Ratios are to the fastest server of the same column.`
        ),
        table(originalTable(rows))
      ]
    }
  ]
}
