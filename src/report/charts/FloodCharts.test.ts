import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { fixtureRun } from "../fixtures/run.ts"
import { headlineCell, rankOrder } from "../Headline.ts"
import { resultGrid } from "../ResultGrid.ts"
import { renderCharts } from "./ChartSet.ts"
import { seriesStyles } from "./Palette.ts"

const run = fixtureRun()
const grid = resultGrid(run)

describe("flood charts", () => {
  it.effect("renders every chart with its title, without a warning, targets in rank order in each legend", () =>
    Effect.gen(function* () {
      const warnings: Array<unknown> = []
      const charts = yield* renderCharts(run).pipe(
        Effect.provide(
          Logger.replace(
            Logger.defaultLogger,
            Logger.make(({ message }) => warnings.push(message))
          )
        )
      )
      expect(charts.map((c) => c.name)).toEqual([
        "best-per-runtime",
        "throughput-32768",
        "throughput-524288",
        "latency",
        "memory",
        "cpu"
      ])
      expect(warnings).toEqual([])
      const ranked = rankOrder(grid, headlineCell(grid)).filter((l) => l !== "Erlang gen_tcp")
      for (const chart of charts) {
        expect(chart.svg.startsWith("<svg")).toBe(true)
        expect(chart.svg).toContain(chart.title.replace(/&/g, "&amp;").slice(0, 30))
      }
      const throughput = charts.find((c) => c.name === "throughput-524288")!.svg
      expect(throughput).toContain(`with ${ranked.length} values: ${ranked.join(", ")}"`)
      expect(throughput).not.toContain("Erlang")
    })
  )

  it("gives each target one colour and marker, the same in every chart, distinct for 24 targets", () => {
    const styles = seriesStyles(grid, rankOrder(grid, headlineCell(grid)))
    const reversed = seriesStyles(grid, [...styles.map((s) => s.label)].reverse())
    for (const s of styles) {
      const again = reversed.find((r) => r.label === s.label)!
      expect([again.colour, again.shape]).toEqual([s.colour, s.shape])
    }
    const many = resultGrid({
      ...run,
      targets: Array.from({ length: 24 }, (_, i) => ({ ...run.targets[0]!, name: `t${i}`, displayName: `T${i}` }))
    })
    const pairs = seriesStyles(many, []).map((s) => `${s.colour} ${s.shape}`)
    expect(new Set(pairs).size).toBe(24)
  })

  it("ranks at the largest cell whose fastest target was server-bound", () => {
    const headline = headlineCell(grid)!
    // At 1000 × 512 KiB only C epoll finished, client-bound; the headline is the next cell down.
    expect([headline.connections, headline.bytes]).toEqual([100, 524288])
    expect(headline.ranked.map((f) => f.label)).toEqual(["C epoll", "Go io.Copy", "Node.js node:net"])
    const bound = resultGrid({
      ...run,
      cells: run.cells.map((c) =>
        c.connections === 100 && c.bytesPerConnection === 524288 && c.target === "c-epoll"
          ? { ...c, samples: c.samples.map((s) => ({ ...s, clientBound: true })) }
          : c
      )
    })
    const moved = headlineCell(bound)!
    expect(moved.passedOver).toEqual([{ connections: 100, bytes: 524288, leader: "C epoll" }])
    expect([moved.connections, moved.bytes]).toEqual([10, 524288])
  })
})
