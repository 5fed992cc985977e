/**
 * `report --compare A --fail-if-slower P` as CI runs it, through the real
 * CLI: a run against itself passes (exit 0), a run twice as slow fails
 * (exit 1), the option without --compare is a usage error (exit 2), and
 * `report --index` lists both runs with links to their reports.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect } from "@effect/vitest"
import { fixtureRun, scaledCell } from "../report/fixtures/run.ts"
import { liveTest } from "../testing/Live.ts"
import { runCli } from "./Harness.ts"

describe("report --compare --fail-if-slower", () => {
  liveTest(
    "exits 0 against itself, 1 against a run twice as slow, 2 without --compare; --index lists the runs",
    function* () {
      const fs = yield* FileSystem.FileSystem
      const runs = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-gate-" })
      const base = fixtureRun()
      const slow = fixtureRun({ id: "slow", cells: base.cells.map((c) => scaledCell(c, 2)) })
      yield* fs.makeDirectory(`${runs}/base`)
      yield* fs.makeDirectory(`${runs}/slow`)
      yield* fs.writeFileString(`${runs}/base/run.json`, JSON.stringify(base))
      yield* fs.writeFileString(`${runs}/slow/run.json`, JSON.stringify(slow))

      const gate = (run: string) =>
        runCli("node", ["report", `${runs}/${run}`, "--compare", `${runs}/base`, "--fail-if-slower", "5"])
      const same = yield* gate("base")
      expect(same.exitCode, same.stderr).toBe(0)
      expect(same.stdout).toContain("no cell significantly slower by more than 5%")

      const slower = yield* gate("slow")
      expect(slower.exitCode, slower.stderr).toBe(1)
      expect(slower.stdout + slower.stderr).toMatch(
        /\d+ cells are significantly slower than the baseline by more than 5%/
      )
      expect(slower.stdout).toContain("## Status changes\n\nNo cell changed status.")

      const usage = yield* runCli("node", ["report", `${runs}/slow`, "--fail-if-slower", "5"])
      expect(usage.exitCode).toBe(2)
      expect(usage.stdout + usage.stderr).toContain("--fail-if-slower needs --compare")

      const index = yield* runCli("node", ["report", "--index", runs])
      expect(index.exitCode, index.stderr).toBe(0)
      const html = yield* fs.readFileString(`${runs}/index.html`)
      expect(html).toContain('<a href="slow/report.html">report</a>')
      expect(html).toContain('<a href="base/report.html">report</a>')
      expect(html.indexOf("slow/report.html")).toBeLessThan(html.indexOf("base/report.html"))
      // Again, with index.html now among the folders.
      const again = yield* runCli("node", ["report", "--index", runs])
      expect(again.exitCode, again.stderr).toBe(0)
    },
    240_000
  )
})
