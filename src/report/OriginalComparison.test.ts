import { describe, expect, it } from "vitest"
import type { Cell, CellSummary } from "../run/RunFile.ts"
import { fixtureRun } from "./fixtures/run.ts"
import { renderHtmlWith } from "./HtmlReport.ts"
import { renderMarkdown } from "./MarkdownReport.ts"
import { originalRows } from "./OriginalComparison.ts"

const summary = (minSeconds: number): CellSummary => ({
  minSeconds,
  medianSeconds: minSeconds,
  maxSeconds: minSeconds,
  spread: 0,
  mbPerSecond: 1,
  clientBound: false,
  serverCpuSeconds: 1,
  serverContextSwitches: 1,
  serverPeakRssBytes: 1,
  serverCoreBusy: 1,
  clientCoreBusy: 0.5
})
const cell = (target: string, seconds: number): Cell => ({
  target,
  connections: 32768,
  bytesPerConnection: 524288,
  status: "ok",
  samples: [],
  summary: summary(seconds)
})

describe("the original's figures beside ours", () => {
  it("gives seconds then and now and each server's ratio to the fastest of its column", () => {
    const failed: Cell = { ...cell("python-threads", 0), status: "failed", summary: undefined, reason: "stalled 32768" }
    const bound: Cell = { ...cell("go-copy", 30), summary: { ...summary(30), clientBound: true } }
    const run = fixtureRun({ cells: [cell("c-epoll", 20), cell("node-raw", 10), failed, bound] })
    const rows = originalRows(run)!
    const node = rows.find((r) => r.target === "node-raw")!
    const c = rows.find((r) => r.target === "c-epoll")!
    expect(rows[0]?.server).toBe("Scale Stack")
    expect(c.thenRatio).toBe(1)
    expect(node.thenRatio).toBeCloseTo(117.04 / 50.25)
    // Now node is the fastest measured: the ranking flipped.
    expect(node.nowRatio).toBe(1)
    expect(c.nowRatio).toBe(2)
    expect(rows.find((r) => r.target === "erlang")?.nowSeconds).toBeUndefined()
    const md = renderMarkdown(run)
    expect(md).toContain("## Then and now: 32,768 connections × 512 KiB")
    expect(md).toContain("Scale Stack vs node.js vs Twisted vs Eventlet")
    expect(md).toContain("| Go v2 → go-buffer | 59.73 | not measured | 1.19 | – |")
    // A failed cell says so with its reason, and a client-bound time carries the mark.
    expect(md).toContain("| Python threads → python-threads | 111.04 | FAILED: stalled 32768 | 2.21 | – |")
    expect(md).toContain("| Go v1 → go-copy | 62.95 | 30.00 ‡ | 1.25 | 3.00 |")
    // The HTML report has the same section, in its table of contents too.
    const html = renderHtmlWith(run, [])
    expect(html).toContain('<a href="#then-and-now">')
    expect(html).toMatch(/<td[^>]*>Go v2 → go-buffer<\/td><td[^>]*>59\.73<\/td><td[^>]*>not measured<\/td>/)
  })

  it("shows nothing for a run without 32k × 512 KiB cells", () => {
    expect(originalRows(fixtureRun())).toBeUndefined()
    expect(renderMarkdown(fixtureRun())).not.toContain("Then and now")
    expect(renderHtmlWith(fixtureRun(), [])).not.toContain("then-and-now")
  })
})
