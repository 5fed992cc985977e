import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { RunFile } from "../run/RunFile.ts"
import { compareRuns } from "./CompareReport.ts"
import { fixtureRun } from "./fixtures/run.ts"
import {
  renderVersionCharts,
  renderVersionHtml,
  renderVersionMarkdown,
  splitTargets,
  versionGroups,
  versionTable
} from "./VersionViews.ts"

/** The fixture with the `node` target again as `node@24`, twice as fast, and as `node@22` (the same). */
const withVersions = (): RunFile => {
  const run = fixtureRun()
  const node = run.targets.find((t) => t.name === "node")!
  const copy = (name: string, version: string, factor: number) => ({
    target: { ...node, name, version },
    cells: run.cells
      .filter((c) => c.target === "node")
      .map((c) => ({
        ...c,
        target: name,
        samples: c.samples.map((x) => ({ ...x, flood: { ...x.flood, seconds: x.flood.seconds * factor } })),
        summary: c.summary === undefined ? undefined : { ...c.summary, minSeconds: c.summary.minSeconds * factor }
      }))
  })
  const v24 = copy("node@24", "v24.21.0", 0.5)
  const v22 = copy("node@22", "v22.23.3", 1)
  return {
    ...run,
    targets: [...run.targets, v24.target, v22.target],
    cells: [...run.cells, ...v24.cells, ...v22.cells]
  }
}

describe("runtime version views", () => {
  it("groups one target's versions, oldest first, and nothing when a run has one version", () => {
    expect(versionGroups(fixtureRun())).toEqual([])
    expect(versionGroups(withVersions())).toEqual([
      {
        base: "node",
        members: [
          { target: "node", version: "20.20.2" },
          { target: "node@22", version: "22.23.3" },
          { target: "node@24", version: "24.21.0" }
        ]
      }
    ])
  })

  it("puts the same cells side by side with each version's ratio to the oldest", () => {
    const run = withVersions()
    const table = versionTable(run, versionGroups(run)[0]!)
    expect(table.header).toEqual([
      "cell",
      "node (20.20.2) min s",
      "node@22 (22.23.3) min s",
      "node@24 (24.21.0) min s",
      "node@22 / node",
      "node@24 / node"
    ])
    const finished = table.rows.map((r) => r.map((c) => c.text)).filter((r) => r[1] !== "–")
    expect(finished.length).toBeGreaterThan(0)
    for (const row of finished) expect(row.slice(4)).toEqual(["1.00×", "0.50×"])
    expect(renderVersionMarkdown(run, () => "versions-node.svg")).toContain("![node by version](versions-node.svg)")
    expect(renderVersionMarkdown(fixtureRun())).toBe("")
  })

  it("renders the chart and the HTML section", async () => {
    const run = withVersions()
    const charts = await Effect.runPromise(renderVersionCharts(run))
    expect(charts.get("versions-node")).toContain("<svg")
    const html = renderVersionHtml(run, charts)
    expect(html).toContain('<section id="runtime-versions">')
    expect(html).toContain("node@24 / node")
  })

  it("compares two targets of one run as two runs of one target", () => {
    const [a, b] = splitTargets(withVersions(), "node", "node@24")
    const comparison = compareRuns(a, b)
    expect(comparison.compared.length).toBeGreaterThan(0)
    for (const cell of comparison.compared) {
      expect(cell.target).toBe("node")
      expect(cell.timeRatio).toBeCloseTo(0.5)
    }
  })
})
