import { describe, expect, it } from "vitest"
import { fixtureRun } from "./fixtures/run.ts"
import { terminalSummary } from "./TerminalSummary.ts"

describe("terminalSummary", () => {
  const text = terminalSummary(fixtureRun())
  const lines = text.split("\n")

  it("starts with the run's status and shows the ranking as aligned columns", () => {
    expect(lines[0]).toBe("Complete: 22 ok, 1 failed, 9 skipped, 0 not measured, of 32 cells.")
    const header = lines.findIndex((l) => l.startsWith("#  target"))
    expect(header).toBeGreaterThan(0)
    expect(lines[header + 1]).toMatch(/^- {2}-+/)
    expect(lines[header + 2]).toMatch(/^1 {2}/)
  })

  it("names failures and leaves skipped targets to the run's start", () => {
    const ranking = lines.slice(lines.findIndex((l) => l.startsWith("#  target")))
    const rows = ranking.slice(2, ranking.indexOf(""))
    expect(rows.map((r) => r.split(/ {2,}/)[1])).toEqual(["C epoll", "Go io.Copy", "Node.js node:net"])
    expect(text).toMatch(/^- Failed: Go io\.Copy at 1.000 × 512 KiB \(stalled 3\)\.$/m)
    // The fixture skips Erlang everywhere (erl not found); report.md ranks it as skipped with that reason.
    expect(text).not.toContain("erl not found")
  })

  it("has what the run shows, and no Markdown", () => {
    expect(text).toContain("WHAT THIS RUN SHOWS")
    expect(text).toMatch(/^- /m)
    expect(text).not.toMatch(/^\|/m)
    expect(text).not.toContain("![")
  })
})
