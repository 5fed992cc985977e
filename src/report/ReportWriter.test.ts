import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RunFileUnreadable } from "../run/RunStore.ts"
import { liveTestsOn } from "../testing/Live.ts"
import { fixtureRun } from "./fixtures/run.ts"
import { Summary } from "./JsonReport.ts"
import { writeComparison, writeReports } from "./ReportWriter.ts"

const liveTest = liveTestsOn(NodeContext.layer)

const runDir = (content: string | undefined) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-report-" })
    if (content !== undefined) yield* fs.writeFileString(`${dir}/run.json`, content)
    return dir
  })

const failure = (dir: string) => writeReports(dir).pipe(Effect.flip)

/** The charts of the fixture run, in the order they are written. */
const CHARTS = ["best-per-runtime", "throughput-32768", "throughput-524288", "latency", "memory", "cpu"]

describe("ReportWriter", () => {
  liveTest(
    "writes every report next to run.json, leaving no temporary file",
    function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* runDir(JSON.stringify(fixtureRun(), null, 2))
      const written = yield* writeReports(dir)
      expect(written).toEqual({
        markdown: `${dir}/report.md`,
        csv: `${dir}/results.csv`,
        html: `${dir}/report.html`,
        json: `${dir}/summary.json`,
        charts: CHARTS.map((name) => `${dir}/${name}.svg`)
      })
      expect((yield* fs.readDirectory(dir)).sort()).toEqual(
        [
          "report.html",
          "report.md",
          "results.csv",
          "run.json",
          "summary.json",
          ...CHARTS.map((name) => `${name}.svg`)
        ].sort()
      )
      expect(yield* fs.readFileString(written.markdown)).toContain("](throughput-524288.svg)")
      expect(yield* fs.readFileString(written.html)).toContain('data-chart="throughput-32768"')
      const summary = Schema.decodeUnknownSync(Schema.parseJson(Summary))(yield* fs.readFileString(written.json))
      expect(summary.cells).toHaveLength(32)
      // A second write replaces the files in place.
      yield* writeReports(dir)
      expect((yield* fs.readDirectory(dir)).length).toBe(5 + CHARTS.length)
    },
    30_000
  )

  it.scoped("names the file and the problem when run.json is missing, not JSON or not a run", () =>
    Effect.gen(function* () {
      const missing = yield* runDir(undefined)
      const e1 = yield* failure(missing)
      expect(e1).toBeInstanceOf(RunFileUnreadable)
      expect(e1.message).toBe(`${missing}/run.json: not found: is ${missing} a run folder (runs/<timestamp>_<host>/)?`)

      const broken = yield* runDir('{"schemaVersion": 1,')
      const e2 = (yield* failure(broken)).message
      expect(e2.startsWith(`${broken}/run.json: is not valid JSON (`), e2).toBe(true)
      expect(e2).toContain("restore it from a copy, or start a new run (`npm run compare`)")

      const { environment: _, ...noEnvironment } = fixtureRun()
      const invalid = yield* runDir(JSON.stringify({ ...noEnvironment, complete: "yes" }))
      const e3 = yield* failure(invalid)
      // The first problem and how many more, in one line: not a dump of the schema.
      expect(e3.message).toBe(
        `${invalid}/run.json: does not match the run.json schema (src/run/RunFile.ts) at ["complete"]: Expected boolean, actual "yes" (and 1 more problem). Correct that field, or use the echoflood commit that wrote it (environment.gitCommit in the file)`
      )
      // A value outside a union names every allowed value once, as one problem.
      const run = fixtureRun()
      const badStatus = yield* runDir(
        JSON.stringify({ ...run, cells: run.cells.map((c, i) => (i === 3 ? { ...c, status: "done" } : c)) })
      )
      expect((yield* failure(badStatus)).message).toContain(
        'at ["cells"][3]["status"]: Expected "ok" | "failed" | "skipped" | "pending", actual "done".'
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped("writes a comparison into the second run's folder by default", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const a = yield* runDir(JSON.stringify(fixtureRun()))
      const b = yield* runDir(JSON.stringify(fixtureRun({ id: "second" })))
      const result = yield* writeComparison(a, b)
      expect(result.path).toBe(`${b}/compare-${a.split("/").pop()}.md`)
      expect(yield* fs.readFileString(result.path)).toBe(result.markdown)
      expect(result.markdown).toContain("# echoflood comparison: second (B) against 2025-11-26T14-00-00_bench (A)")
      const out = `${a}/custom.md`
      expect((yield* writeComparison(a, b, out)).path).toBe(out)
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
