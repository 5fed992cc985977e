/**
 * The HTML report, checked as text and then in a real headless Chromium at
 * 1400 and 390 px: every chart becomes a live Vega view naming every target
 * that ran, the page never scrolls sideways (wide tables scroll in their
 * box), and screenshots come out (kept in ECHOFLOOD_SCREENSHOT_DIR when set).
 * Without /usr/bin/chromium the browser test is skipped, except in CI
 * (CI=true), where it fails.
 */
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { liveTestsOn } from "../testing/Live.ts"
import { skipWithoutFile } from "../testing/SkipMissing.ts"
import { seriesStyles } from "./charts/Palette.ts"
import { FAILED, fixtureRun, SKIPPED } from "./fixtures/run.ts"
import { saturationResult } from "./fixtures/saturation.ts"
import { headlineCell, rankOrder } from "./Headline.ts"
import { renderHtml } from "./HtmlReport.ts"
import { vegaRuntime } from "./ReportWriter.ts"
import { resultGrid } from "./ResultGrid.ts"
import { escapeHtml } from "./Table.ts"

const liveTest = liveTestsOn(NodeContext.layer)

const CHROMIUM = "/usr/bin/chromium"
// With a saturation phase: its two charts must go live too, in the flood charts' colours.
const run = fixtureRun({
  saturation: [saturationResult("node", [500, 520, 510], false), saturationResult("c-epoll", [900, 1000, 1100], false)]
})
const grid = resultGrid(run)
/** Targets with a finished cell: the series every chart's legend must name. */
const series = grid.targets
  .filter((t) => grid.cells.some((c) => c.target.name === t.name && c.status === "ok"))
  .map((t) => t.displayName)

const text = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(
    Stream.decodeText(),
    Stream.runFold("", (a, b) => a + b)
  )

/** Runs Chromium headless on a fresh profile; never longer than 90 s. */
const chromium = (profile: string, ...args: ReadonlyArray<string>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const proc = yield* Command.start(
        Command.make(
          CHROMIUM,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--hide-scrollbars",
          `--user-data-dir=${profile}`,
          ...args
        )
      )
      const [stdout, stderr, exitCode] = yield* Effect.all([text(proc.stdout), text(proc.stderr), proc.exitCode], {
        concurrency: "unbounded"
      })
      return { stdout, stderr, exitCode }
    })
  ).pipe(
    Effect.timeoutFail({ duration: "90 seconds", onTimeout: () => new Error(`${CHROMIUM} ${args.at(-1)}: timed out`) })
  )

/** The markup of one chart's figure in a page. */
const figure = (html: string, name: string) => {
  const match = html.match(new RegExp(`<figure[^>]*data-chart="${name}"[^>]*>([\\s\\S]*?)</figure>`))
  expect(match, `figure data-chart="${name}"`).not.toBeNull()
  return match![1]!
}

const CHARTS = [
  "best-per-runtime",
  "throughput-32768",
  "throughput-524288",
  "latency",
  "memory",
  "cpu",
  "saturation-throughput",
  "saturation-client-delay"
]

/**
 * A page that shows the report in a frame `width` px wide (headless Chromium
 * will not make its own window narrower than 500 px) and, once the live
 * views have drawn, records on its <body> how far the report's page scrolls
 * sideways, how many table boxes scroll instead, and which charts are live.
 */
const probe = (width: number) => `<!doctype html><html><body style="margin:0">
<iframe id="report" src="report.html" style="width:${width}px;height:1400px;border:0"></iframe>
<script>
setTimeout(function () {
  var doc = document.getElementById("report").contentDocument;
  var d = doc.documentElement;
  document.body.setAttribute("data-width", String(d.clientWidth));
  document.body.setAttribute("data-page-overflow", String(d.scrollWidth - d.clientWidth));
  var wide = 0;
  doc.querySelectorAll(".table-wrap").forEach(function (w) { if (w.scrollWidth > w.clientWidth) wide++; });
  document.body.setAttribute("data-scrolling-tables", String(wide));
  var live = [];
  doc.querySelectorAll("figure[data-live=yes]").forEach(function (f) { live.push(f.getAttribute("data-chart")); });
  document.body.setAttribute("data-live-charts", live.join(" "));
}, 4000);
</script></body></html>`

describe("renderHtml", () => {
  liveTest(
    "is one self-contained page with the report's tables, marks and reasons",
    function* () {
      const html = yield* renderHtml(run)
      expect(html.startsWith("<!doctype html>")).toBe(true)
      expect(html).not.toMatch(/<link|<iframe|<img|\bsrc=|href="(?!#)|url\(/i)
      // Without the Vega runtime the page is static: no script at all.
      expect(html).not.toMatch(/<script>/)
      for (const name of CHARTS) expect(figure(html, name)).toContain("<svg")
      for (const bytes of [32768, 524288]) {
        const svg = figure(html, `throughput-${bytes}`)
        for (const name of series) expect(svg).toContain(`>${escapeHtml(name)}</text>`)
      }
      expect(html).toContain('<td class="num clientBound">0.364 s · 1439 MB/s ‡</td>')
      expect(html).toMatch(/<td class="num failed" title="[^"]*">FAILED \[\d\]<\/td>/)
      expect(html).toContain(escapeHtml(FAILED.reason))
      expect(html).toContain(escapeHtml(SKIPPED.reason))
      expect(html).toContain("&lt;no Effect per chunk&gt;")
      expect(html).toContain("AMD EPYC 7B13")
      expect(html).toContain('<p class="status complete">Complete: 22 ok, 1 failed, 9 skipped')
      expect(html.indexOf('id="headline"')).toBeLessThan(html.indexOf('id="flood"'))
      // Saturation legends by saturation rank, each target in its flood-chart colour.
      const saturated = figure(html, "saturation-throughput")
      expect(saturated).toContain("with 2 values: C epoll, Node.js node:net")
      const styles = seriesStyles(grid, rankOrder(grid, headlineCell(grid)))
      for (const label of ["C epoll", "Node.js node:net"]) {
        expect(saturated).toContain(styles.find((s) => s.label === label)!.colour)
      }
    },
    30_000
  )

  liveTest(
    "renders live in headless Chromium at 1400 and 390 px: every chart, no sideways page scroll, screenshots",
    function* (ctx) {
      const fs = yield* FileSystem.FileSystem
      yield* skipWithoutFile(ctx, CHROMIUM, `${CHROMIUM} is missing: install Debian's chromium to run the browser test`)
      const runtime = yield* vegaRuntime
      expect(runtime, "node_modules/vega/build/vega.min.js").toBeDefined()
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-html-" })
      const html = yield* renderHtml(run, runtime)
      expect(html).toContain('<fieldset class="toggles">')
      const page = `${dir}/report.html`
      yield* fs.writeFileString(page, html)
      const keep = process.env.ECHOFLOOD_SCREENSHOT_DIR

      for (const width of [1400, 390]) {
        yield* fs.writeFileString(`${dir}/probe-${width}.html`, probe(width))
        const measured = yield* chromium(
          `${dir}/profile-probe-${width}`,
          "--allow-file-access-from-files",
          "--virtual-time-budget=10000",
          "--window-size=1500,1500",
          "--dump-dom",
          `file://${dir}/probe-${width}.html`
        )
        expect(measured.exitCode, measured.stderr).toBe(0)
        const body = measured.stdout.match(/<body[^>]*>/)?.[0] ?? ""
        expect(body).toContain(`data-width="${width}"`)
        expect(body, "the page scrolls sideways").toContain('data-page-overflow="0"')
        // At 390 px the widest tables scroll inside their box instead.
        if (width === 390) expect(body).not.toContain('data-scrolling-tables="0"')
        expect(body).toContain(`data-live-charts="${CHARTS.join(" ")}"`)

        const dump = yield* chromium(
          `${dir}/profile-dom-${width}`,
          "--virtual-time-budget=8000",
          `--window-size=${width},1200`,
          "--dump-dom",
          `file://${page}`
        )
        expect(dump.exitCode, dump.stderr).toBe(0)
        const dom = dump.stdout
        for (const bytes of [32768, 524288]) {
          const chart = figure(dom, `throughput-${bytes}`)
          for (const name of series) expect(chart, `${name} in ${bytes}`).toContain(`>${escapeHtml(name)}</text>`)
          expect(chart).not.toContain("Erlang")
        }

        const png = `${dir}/report-${width}.png`
        const shot = yield* chromium(
          `${dir}/profile-shot-${width}`,
          "--virtual-time-budget=8000",
          `--screenshot=${png}`,
          `--window-size=${width},2400`,
          `file://${page}`
        )
        expect(shot.exitCode, shot.stderr).toBe(0)
        const bytes = yield* fs.readFile(png)
        expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        const view = new DataView(bytes.buffer, bytes.byteOffset)
        expect([view.getUint32(16), view.getUint32(20)]).toEqual([width, 2400])
        expect(bytes.length).toBeGreaterThan(30_000)
        if (keep !== undefined && keep !== "") {
          yield* fs.makeDirectory(keep, { recursive: true })
          yield* fs.copyFile(png, `${keep}/report-${width}.png`)
        }
      }
    },
    240_000
  )
})
