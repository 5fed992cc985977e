/**
 * The views of saturation results (terminal summary, Markdown, HTML with
 * inline SVG charts) over two fixed results: one healthy, one stalled.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { saturationRunOptions } from "../run/SaturationOptions.ts"
import { SaturationResult } from "../run/SaturationResult.ts"
import { notStartedResult } from "../run/SaturationTarget.ts"
import { seriesStyles } from "./charts/Palette.ts"
import { fixtureRun } from "./fixtures/run.ts"
import { saturationResult as result } from "./fixtures/saturation.ts"
import { headlineCell, rankOrder } from "./Headline.ts"
import { resultGrid } from "./ResultGrid.ts"
import {
  clientDelayChartSpec,
  renderSaturationCharts,
  saturationChartFileName,
  saturationPalette,
  throughputChartSpec
} from "./SaturationCharts.ts"
import { renderSaturationHtml } from "./SaturationHtml.ts"
import { renderSaturationMarkdown, saturationTable } from "./SaturationMarkdown.ts"
import { notesOf } from "./SaturationNotes.ts"
import { formatSaturationSummary } from "./SaturationSummary.ts"

const results = [result("c-epoll", [900, 1000, 1100], false), result("faulty", [0, 0, 0], true)]

describe("saturation views", () => {
  it("results round-trip through the run.json schema", () => {
    for (const r of results) {
      expect(Schema.decodeUnknownSync(SaturationResult)(JSON.parse(JSON.stringify(r)))).toEqual(
        JSON.parse(JSON.stringify(r))
      )
    }
  })

  it("the terminal summary names the status, throughput, cores, delay and starvation", () => {
    const ok = formatSaturationSummary(results[0]!)
    expect(ok).toMatch(/^ok: c-epoll/)
    expect(ok).toMatch(/echo +1000 MB\/s ± 82 \(min 900, max 1100\)/)
    expect(ok).toMatch(/core 0: busy 90%/)
    expect(ok).toMatch(/round trip p50 1\.50 ms/)
    const stalled = formatSaturationSummary(results[1]!)
    expect(stalled).toMatch(/^STALLED: faulty/)
    expect(stalled).toMatch(/why +no byte was echoed/)
    expect(stalled).toMatch(/30 timed out/)
  })

  it("notes are worded from the data at report time; a result stored with notes shows them as they were", () => {
    expect(notesOf(results[0]!)).toEqual([])
    const stalled = notesOf(results[1]!)
    expect(stalled[0]).toMatch(/^1000 of 1000 connections \(100%\) went over 1 s without a verified byte; 1000 made/)
    expect(stalled[1]).toMatch(/^Client delay: 30 of 30 probes timed out \(5000 ms\)/)
    expect(stalled).toHaveLength(2)
    const late = notesOf({ ...results[0]!, clientTickGapMs: 2500, probeProblem: { stage: "start", message: "gone" } })
    expect(late).toEqual([
      "The client-delay probe did not start: gone",
      "The client's event loop was busy for up to 2.5 s at a time (its progress ticks came late); per-second throughput is interpolated between them."
    ])
    const old = Schema.decodeUnknownSync(SaturationResult)({
      ...JSON.parse(JSON.stringify(results[1])),
      notes: ["as stored"]
    })
    expect(notesOf(old)).toEqual(["as stored"])
    expect(formatSaturationSummary(old)).toContain("note        as stored")
  })

  it("an incomplete ramp says what it lacked: connects still open, or the server not yet echoing on every one", () => {
    const client = results[0]!.client!
    const ramp = (pending: number) => ({
      ...results[0]!,
      client: { ...client, ramp: { ...client.ramp, pending, complete: false } }
    })
    expect(notesOf(ramp(7))[0]).toMatch(/with 7 connections not open yet: they kept connecting/)
    expect(notesOf(ramp(0))[0]).toMatch(
      /with the server not yet echoing on every connection \(some still in its accept queue\)/
    )
    expect(formatSaturationSummary(ramp(0))).toMatch(/timed out with the server not yet echoing on every connection/)
  })

  it("Markdown: one row per target with every column the original's vmstat had, and more", () => {
    const table = saturationTable(results)
    expect(table.rows).toHaveLength(2)
    expect(table.header).toHaveLength(table.rows[0]!.length)
    const md = renderSaturationMarkdown(results, { chartPath: saturationChartFileName })
    expect(md).toMatch(/^## Saturation/)
    expect(md).toContain("| c-epoll | ok | 1000 |")
    expect(md).toContain("| faulty | STALLED |")
    // A timed-out probe counts as the timeout, shown as a lower bound.
    expect(md).toContain("≥ 5000")
    expect(md).toContain("1\u2009000 / 1\u2009000")
    expect(md).toContain("](saturation-throughput.svg)")
    expect(md).toContain("- faulty: stalled: no byte was echoed")
  })

  it.effect("HTML: a section with both tables and both charts inline, each with its spec for the live view", () =>
    Effect.gen(function* () {
      const charts = yield* renderSaturationCharts(results)
      expect(charts.map((c) => c.name)).toEqual(["saturation-throughput", "saturation-client-delay"])
      for (const chart of charts) expect(chart.svg).toMatch(/^<svg/)
      const html = yield* renderSaturationHtml(results)
      expect(html).toMatch(/^<section id="saturation">/)
      expect(html).toContain('data-chart="saturation-throughput"')
      expect(html).toContain('data-chart="saturation-client-delay"')
      expect(html.match(/<table>/g)).toHaveLength(2)
      expect(html).toContain("c-epoll")
      // Only data for the page's script, nothing that runs by itself.
      expect(html.match(/<script type="application\/json" class="vega-spec">/g)).toHaveLength(2)
      expect(html).not.toMatch(/<script(?! type="application\/json")/)
    })
  )

  it.effect("each target keeps its flood-chart colour and marker; legends list the saturation rank", () =>
    Effect.gen(function* () {
      const run = fixtureRun()
      const grid = resultGrid(run)
      const flood = seriesStyles(grid, rankOrder(grid, headlineCell(grid)))
      // Three targets of the run: the slowest under flood holds up best under saturation, one stalls.
      const saturated = [
        result("c-epoll", [500, 500, 500], false),
        result("faulty", [0, 0, 0], true),
        result("node", [900, 1000, 1100], false)
      ].map((r) => (r.target === "faulty" ? { ...r, target: "go-copy" } : r))
      const palette = saturationPalette(saturated, grid)
      expect(palette.styles.map((s) => s.label)).toEqual(["Node.js node:net", "C epoll", "Go io.Copy"])
      for (const style of palette.styles) {
        const own = flood.find((f) => f.label === style.label)!
        expect([style.colour, style.shape, style.dash]).toEqual([own.colour, own.shape, own.dash])
      }
      const colours = palette.styles.map((s) => s.colour)
      const shapes = palette.styles.map((s) => s.shape)
      for (const spec of [throughputChartSpec(saturated, palette), clientDelayChartSpec(saturated, palette)]) {
        const layers = (spec as { layer: ReadonlyArray<{ encoding: Record<string, { scale?: unknown }> }> }).layer
        const points = layers.find((l) => l.encoding.shape !== undefined)!.encoding
        expect(points.color!.scale).toEqual({ domain: palette.styles.map((s) => s.label), range: colours })
        expect(points.shape!.scale).toEqual({ domain: palette.styles.map((s) => s.label), range: shapes })
      }
      // The legend, as the SVG describes it, in saturation rank order.
      const charts = yield* renderSaturationCharts(saturated, grid)
      for (const chart of charts) expect(chart.svg).toContain("with 3 values: Node.js node:net, C epoll, Go io.Copy")
    })
  )

  it.effect("no charts without data", () =>
    Effect.gen(function* () {
      const charts = yield* renderSaturationCharts([
        notStartedResult("x", saturationRunOptions(10, "node"), "did not start")
      ])
      expect(charts).toHaveLength(0)
    })
  )
})
