/**
 * `report <runDir>`: renders a run folder's reports from its run.json alone;
 * with `--compare <otherRunDir>` also compares this run (B) against the other
 * (A), writes the comparison into this run's folder and prints it;
 * `--compare node,node@24` compares two targets of this run the same way;
 * `--fail-if-slower P` then fails (exit 1) when a cell both finished is
 * significantly slower in B by more than P%. `--index` writes runs/index.html.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { slowerCells } from "../report/CompareReport.ts"
import { writeComparison, writeJsonSchemas, writeReports } from "../report/ReportWriter.ts"
import { writeRunIndex } from "../report/RunIndex.ts"
import { markdownForTerminal } from "../report/Table.ts"
import { targetPair, writeTargetComparison } from "../report/VersionComparison.ts"
import { formatRatio, formatSize } from "../run/NumberFormat.ts"
import { UsageError } from "./CommandLine.ts"

/** @category errors */
export class SlowerThanAllowed extends Data.TaggedError("SlowerThanAllowed")<{
  readonly percent: number
  readonly cells: ReadonlyArray<string>
}> {
  override get message() {
    const shown = this.cells.slice(0, 10).join("; ")
    const more = this.cells.length > 10 ? `; and ${this.cells.length - 10} more (see the comparison)` : ""
    return `${this.cells.length} cell${this.cells.length === 1 ? " is" : "s are"} significantly slower than the baseline by more than ${this.percent}%: ${shown}${more}`
  }
}

export const reportCommand = Command.make(
  "report",
  {
    // Plain text, not Args.directory: a missing folder then gets the report's own message naming run.json.
    runDir: Args.text({ name: "runDir" }).pipe(
      Args.withDescription("A run folder holding run.json (runs/<id>/); with --index, the folder of runs"),
      Args.withDefault("runs")
    ),
    compare: Options.text("compare").pipe(
      Options.optional,
      Options.withDescription(
        "Another run folder to compare against (ratios are this run / that run), or two targets of this run, e.g. node,node@24 (ratios second / first)"
      )
    ),
    failIfSlower: Options.float("fail-if-slower").pipe(
      Options.withPseudoName("PERCENT"),
      Options.optional,
      Options.withDescription(
        "With --compare: exit 1 if any cell both runs finished is significantly slower in this run by more than this many percent"
      )
    ),
    index: Options.boolean("index").pipe(
      Options.withDescription(
        "Write index.html of every run in the folder (default runs/) instead of one run's reports"
      )
    ),
    schemas: Options.text("schemas").pipe(
      Options.withPseudoName("DIR"),
      Options.optional,
      Options.withDescription(
        "Write the JSON Schemas of run.json and summary.json into DIR (the repository keeps them in src/report/schema/)"
      )
    )
  },
  ({ runDir, compare, failIfSlower, index, schemas }) =>
    Effect.gen(function* () {
      if (Option.isSome(schemas)) {
        const files = yield* writeJsonSchemas(schemas.value)
        yield* Console.log(["wrote", ...files].join("\n  "))
        return
      }
      if (index) {
        const file = yield* writeRunIndex(runDir)
        yield* Console.log(`wrote ${file}`)
        return
      }
      if (Option.isSome(failIfSlower) && Option.isNone(compare)) {
        return yield* new UsageError({ reason: "--fail-if-slower needs --compare <baseline run folder>" })
      }
      if (Option.isSome(failIfSlower) && !(failIfSlower.value >= 0)) {
        return yield* new UsageError({
          reason: `--fail-if-slower ${failIfSlower.value}: must be a percentage of 0 or more, e.g. 5`
        })
      }
      const written = yield* writeReports(runDir)
      yield* Console.log(
        [
          "wrote",
          written.markdown,
          written.csv,
          written.html,
          written.json,
          ...(written.saturationCsv ? [written.saturationCsv] : []),
          ...written.charts
        ].join("\n  ")
      )
      if (Option.isSome(compare)) {
        const pair = targetPair(compare.value)
        const comparison =
          pair === undefined
            ? yield* writeComparison(compare.value, runDir)
            : yield* writeTargetComparison(runDir, pair[0], pair[1])
        yield* Console.log(`\n${markdownForTerminal(comparison.markdown)}`)
        yield* Console.log(`wrote ${comparison.path}`)
        if (Option.isSome(failIfSlower)) {
          const slower = slowerCells(comparison.comparison, failIfSlower.value)
          if (slower.length > 0) {
            return yield* new SlowerThanAllowed({
              percent: failIfSlower.value,
              cells: slower.map(
                (x) =>
                  `${x.target} ${x.connections} × ${formatSize(x.bytesPerConnection)} ${formatRatio(x.timeRatio)} (p ${x.pValue?.toFixed(3)})`
              )
            })
          }
          yield* Console.log(`no cell significantly slower by more than ${failIfSlower.value}%`)
        }
      }
    })
).pipe(
  Command.withDescription(
    "Render report.md, results.csv, report.html, summary.json and charts from a run's run.json; --compare adds a comparison, --fail-if-slower gates on it, --index lists every run"
  )
)
