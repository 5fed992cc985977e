import { describe, expect, it } from "vitest"
import type { RunFile } from "../run/RunFile.ts"
import { compareRuns, renderComparison, slowerCells, statusChanges } from "./CompareReport.ts"
import { FAILED, fixtureRun, scaledCell, targets } from "./fixtures/run.ts"

/**
 * Run B: node twice as fast, the failed Go cell now ok, one C epoll cell
 * never written, a target A did not have.
 */
const runB = (): RunFile => {
  const a = fixtureRun()
  const goOk = a.cells.find((c) => c.target === "go-copy" && c.connections === 100 && c.bytesPerConnection === 524288)!
  return fixtureRun({
    id: "2025-11-27T09-00-00_bench",
    environment: { ...a.environment, clientRuntimeVersion: "v22.12.0", gitCommit: "b1b1b1b" },
    targets: [
      ...targets,
      {
        name: "bun-raw",
        displayName: "Bun raw",
        kind: "runtime",
        language: "TypeScript",
        framework: "Bun.listen",
        version: "1.4.5",
        available: true,
        noDelay: false,
        notes: []
      }
    ],
    cells: [
      ...a.cells
        .filter((c) => !(c.target === "c-epoll" && c.connections === 10 && c.bytesPerConnection === 32768))
        .map((c) =>
          c.target === "node"
            ? scaledCell(c, 0.5)
            : c.target === FAILED.target && c.connections === FAILED.connections && c.status === "failed"
              ? { ...goOk, connections: c.connections, reason: undefined }
              : c
        ),
      {
        target: "bun-raw",
        connections: 1000,
        bytesPerConnection: 32768,
        status: "skipped",
        reason: "no bun",
        samples: []
      }
    ]
  })
}

describe("compareRuns", () => {
  const a = fixtureRun()
  const b = runB()
  const c = compareRuns(a, b)

  it("gives B/A ratios of min time and MB/s for every cell both finished", () => {
    const node = c.compared.find((x) => x.target === "node" && x.connections === 100 && x.bytesPerConnection === 32768)!
    expect(node.timeRatio).toBeCloseTo(0.5, 12)
    expect(node.throughputRatio).toBeCloseTo(2, 12)
    const go = c.compared.find(
      (x) => x.target === "go-copy" && x.connections === 10 && x.bytesPerConnection === 524288
    )!
    expect(go.timeRatio).toBe(1)
    expect(go.pValue).toBe(1)
    // Three repetitions a side, each half the time: significant.
    expect(node.pValue).toBeLessThan(0.001)
    // 22 ok in A, less the C epoll cell B lacks.
    expect(c.compared).toHaveLength(21)
  })

  it("lists every cell not finished in both, with what each side has", () => {
    const missing = c.unmatched.find(
      (u) => u.target === "c-epoll" && u.connections === 10 && u.bytesPerConnection === 32768
    )!
    expect(missing.a?.status).toBe("ok")
    expect(missing.b?.status).toBe("pending")
    const failed = c.unmatched.find((u) => u.target === FAILED.target && u.connections === FAILED.connections)!
    expect(failed.a?.reason).toBe(FAILED.reason)
    expect(failed.b?.status).toBe("ok")
    expect(statusChanges(c).map((u) => `${u.target} ${u.connections} ${u.a!.status}→${u.b!.status}`)).toEqual([
      "c-epoll 10 ok→pending",
      "go-copy 1000 failed→ok"
    ])
    expect(c.unmatched.filter((u) => u.target === "bun-raw").every((u) => u.a === undefined)).toBe(true)
  })

  it("renders the ratios, the client-bound note and what differs", () => {
    const md = renderComparison(a, b)
    expect(md).toContain("# echoflood comparison: 2025-11-27T09-00-00_bench (B) against 2025-11-26T14-00-00_bench (A)")
    // Status changes come first, before any ratio.
    expect(md.indexOf("## Status changes")).toBeLessThan(md.indexOf("## Overall"))
    expect(md).toContain(`- Go io.Copy, 1000 × 512 KiB: FAILED → ok (A: ${FAILED.reason})`)
    expect(md).toContain("- C epoll, 10 × 32 KiB: ok → pending (B: not in run.json: the run never measured it)")
    expect(md).toMatch(
      /\| Node\.js node:net \| 100 \| 0\.0054 \| 0\.0027 \| 0\.50× \| ≤0\.001 \| faster \| 605 \| 1209 \| 2\.00× \| {2}\|/
    )
    expect(md).toContain(
      "| C epoll | 1000 | 0.364 | 0.364 | 1.00× | 1.000 |  | 1439 | 1439 | 1.00× | ‡ both client-bound |"
    )
    expect(md).toContain("‡ client-bound: in that run the client's core, not the server's, was the bottleneck")
    expect(md).toContain("| client runtime | node v20.20.2 | node v22.12.0 |")
    expect(md).toContain("| git commit | a0ace6a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6 | b1b1b1b |")
    // Cells one run lacks: one line per side.
    expect(md).toContain("## In one run only\n\n- Only in B: 8 cells: Bun raw (8)\n")
    expect(md).not.toContain("Only in A")
    // A target skipped in both runs for the same reason takes one line.
    expect(md).toContain(
      "- Erlang gen_tcp, 1, 10, 100, 1000 × 32 KiB; 1, 10, 100, 1000 × 512 KiB: skipped in both: erl not found: install erlang-nox"
    )
    expect(md).toContain("| Node.js node:net | 7 | 0.50× |")
    expect(md).toMatch(/Significantly slower in B: 0; significantly faster: 7 /)
  })

  it("fails a gate only on cells significantly slower by more than the allowance", () => {
    const a = fixtureRun()
    const twiceAsSlow = fixtureRun({ cells: a.cells.map((cell) => scaledCell(cell, 2)) })
    expect(slowerCells(compareRuns(a, a), 5)).toEqual([])
    expect(slowerCells(compareRuns(a, twiceAsSlow), 5).length).toBe(compareRuns(a, twiceAsSlow).compared.length)
    // Twice as slow is not more than 150% slower.
    expect(slowerCells(compareRuns(a, twiceAsSlow), 150)).toEqual([])
    // B twice as fast is never "slower".
    expect(slowerCells(compareRuns(twiceAsSlow, a), 0)).toEqual([])
  })

  it("says so when the runs match", () => {
    const md = renderComparison(a, a)
    expect(md).toContain("Same machine, versions, sysctls and options")
    expect(md.match(/\d+\.\d\d×/g)!.every((r) => r === "1.00×")).toBe(true)
  })
})
