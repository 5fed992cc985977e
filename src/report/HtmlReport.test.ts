/**
 * The HTML report, checked as text and then in a real headless Chromium:
 * the DOM it builds must hold one chart per size with every target's series,
 * and a screenshot must come out. Without /usr/bin/chromium the browser test
 * is skipped, except in CI (CI=true), where it fails.
 */
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { skipMissing } from "../testing/SkipMissing.ts"
import { FAILED, fixtureRun, SKIPPED } from "./fixtures/run.ts"
import { renderHtml } from "./HtmlReport.ts"
import { resultGrid } from "./ResultGrid.ts"
import { escapeHtml } from "./Table.ts"

const CHROMIUM = "/usr/bin/chromium"
const run = fixtureRun()
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
const figure = (html: string, bytes: number) => {
  const match = html.match(new RegExp(`<figure[^>]*data-chart="time-${bytes}"[^>]*>([\\s\\S]*?)</figure>`))
  expect(match, `figure data-chart="time-${bytes}"`).not.toBeNull()
  return match![1]!
}

describe("renderHtml", () => {
  it.effect("is one self-contained page with the report's tables, marks and reasons", () =>
    Effect.gen(function* () {
      const html = yield* renderHtml(run)
      expect(html.startsWith("<!doctype html>")).toBe(true)
      expect(html).not.toMatch(/<script|<link|<iframe|<img|\bsrc=|href="(?!#)|url\(/i)
      for (const bytes of [32768, 524288]) {
        const svg = figure(html, bytes)
        expect(svg).toContain("<svg")
        for (const name of series) expect(svg).toContain(`>${escapeHtml(name)}</text>`)
      }
      expect(html).toContain('<td class="num clientBound">0.364 s · 1439 MB/s ‡</td>')
      expect(html).toMatch(/<td class="num failed" title="[^"]*">FAILED \[\d\]<\/td>/)
      expect(html).toContain(escapeHtml(FAILED.reason))
      expect(html).toContain(escapeHtml(SKIPPED.reason))
      expect(html).toContain("&lt;no Effect per chunk&gt;")
      expect(html).toContain("AMD EPYC 7B13")
      expect(html).toContain('<p class="status complete">Complete: 22 ok, 1 failed, 9 skipped')
    })
  )

  it.live(
    "renders in headless Chromium: a chart per size with every target's series, and a screenshot",
    (ctx) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        if (!(yield* fs.exists(CHROMIUM))) {
          return yield* skipMissing(ctx, `${CHROMIUM} is missing: install Debian's chromium to run the browser test`)
        }
        const dir = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-html-" })
        const page = `${dir}/report.html`
        yield* fs.writeFileString(page, yield* renderHtml(run))

        const dump = yield* chromium(`${dir}/profile-dom`, "--dump-dom", `file://${page}`)
        expect(dump.exitCode, dump.stderr).toBe(0)
        const dom = dump.stdout
        expect(dom.match(/data-chart="time-\d+"/g)).toEqual(['data-chart="time-32768"', 'data-chart="time-524288"'])
        for (const bytes of [32768, 524288]) {
          const chart = figure(dom, bytes)
          const svg = chart.slice(chart.indexOf("<svg"), chart.lastIndexOf("</svg>"))
          expect(svg.length, `svg in time-${bytes}`).toBeGreaterThan(1000)
          for (const name of series) {
            expect(svg, `${name} in time-${bytes}`).toContain(`>${escapeHtml(name)}</text>`)
            expect(svg).toContain(`target: ${escapeHtml(name)}; bottleneck:`)
          }
          expect(svg).toContain(`with ${series.length} values: ${series.map(escapeHtml).join(", ")}`)
          expect(svg).not.toContain("Erlang")
        }

        const png = `${dir}/report.png`
        const shot = yield* chromium(
          `${dir}/profile-shot`,
          `--screenshot=${png}`,
          "--window-size=1280,2400",
          `file://${page}`
        )
        expect(shot.exitCode, shot.stderr).toBe(0)
        const bytes = yield* fs.readFile(png)
        expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        const view = new DataView(bytes.buffer, bytes.byteOffset)
        expect([view.getUint32(16), view.getUint32(20)]).toEqual([1280, 2400])
        expect(bytes.length).toBeGreaterThan(50_000)
        const keep = process.env.ECHOFLOOD_SCREENSHOT_DIR
        if (keep !== undefined && keep !== "") {
          yield* fs.makeDirectory(keep, { recursive: true })
          yield* fs.copyFile(png, `${keep}/report.png`)
        }
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)),
    180_000
  )
})
