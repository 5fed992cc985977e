import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { summarizeCell } from "../run/CellSummary.ts"
import { RunFile } from "../run/RunFile.ts"
import { CONNECTIONS, FAILED, fixtureRun, NO_SUMMARY, SIZES, SKIPPED, targets } from "./fixtures/run.ts"
import { resultGrid, statusCounts } from "./ResultGrid.ts"

describe("ResultGrid", () => {
  it("the fixture is a valid run.json", () => {
    const run = fixtureRun()
    expect(Schema.decodeUnknownSync(RunFile)(JSON.parse(JSON.stringify(run)))).toEqual(run)
  })

  it("resolves every target × size × connection count", () => {
    const grid = resultGrid(fixtureRun())
    expect(grid.cells).toHaveLength(targets.length * SIZES.length * CONNECTIONS.length)
    expect(statusCounts(grid)).toEqual({ ok: 22, failed: 1, skipped: 9, pending: 0 })
    expect(grid.at(FAILED.target, FAILED.connections, FAILED.bytes)).toMatchObject({
      status: "failed",
      reason: FAILED.reason
    })
    expect(grid.at(SKIPPED.target, SKIPPED.connections, SKIPPED.bytes)?.reason).toBe(SKIPPED.reason)
    expect(grid.at("erlang", 1, 32768)?.reason).toBe("erl not found: install erlang-nox")
  })

  it("summarises an ok cell written without a summary from its measured samples", () => {
    const run = fixtureRun()
    const cell = run.cells.find(
      (c) =>
        c.target === NO_SUMMARY.target && c.connections === NO_SUMMARY.connections && c.bytesPerConnection === 32768
    )!
    expect(cell.summary).toBeUndefined()
    const summary = summarizeCell(cell.samples)!
    const measured = cell.samples.filter((s) => !s.warmup).map((s) => s.flood.seconds)
    expect(summary.minSeconds).toBe(Math.min(...measured))
    expect(summary.maxSeconds).toBe(Math.max(...measured))
    expect(summary.spread).toBeCloseTo(0.05, 10)
    expect(resultGrid(run).at("node", 1, 32768)).toMatchObject({ status: "ok", summary })
  })

  it("gives cells an interrupted run never wrote a pending status with the reason", () => {
    const full = fixtureRun()
    const run = fixtureRun({
      complete: false,
      interruptedAt: "2025-11-26T14:05:00.000Z",
      cells: full.cells.filter((c) => c.bytesPerConnection === 32768)
    })
    const cell = resultGrid(run).at("c-epoll", 1000, 524288)!
    expect(cell.status).toBe("pending")
    expect(cell.reason).toContain("interrupted at 2025-11-26T14:05:00.000Z")
  })
})
