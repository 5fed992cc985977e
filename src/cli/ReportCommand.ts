/**
 * `report <runDir>`: renders a run folder's reports from its run.json alone;
 * with `--compare <otherRunDir>` also compares this run (B) against the other
 * (A), writes the comparison into this run's folder and prints it;
 * `--compare node,node@24` compares two targets of this run the same way.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { writeComparison, writeReports } from "../report/ReportWriter.ts"
import { targetPair, writeTargetComparison } from "../report/VersionComparison.ts"

export const reportCommand = Command.make(
  "report",
  {
    // Plain text, not Args.directory: a missing folder then gets the report's own message naming run.json.
    runDir: Args.text({ name: "runDir" }).pipe(Args.withDescription("A run folder holding run.json (runs/<id>/)")),
    compare: Options.text("compare").pipe(
      Options.optional,
      Options.withDescription(
        "Another run folder to compare against (ratios are this run / that run), or two targets of this run, e.g. node,node@24 (ratios second / first)"
      )
    )
  },
  ({ runDir, compare }) =>
    Effect.gen(function* () {
      const written = yield* writeReports(runDir)
      yield* Console.log(
        ["wrote", written.markdown, written.csv, written.html, written.json, ...written.charts].join("\n  ")
      )
      if (Option.isSome(compare)) {
        const pair = targetPair(compare.value)
        const comparison =
          pair === undefined
            ? yield* writeComparison(compare.value, runDir)
            : yield* writeTargetComparison(runDir, pair[0], pair[1])
        yield* Console.log(`\n${comparison.markdown}`)
        yield* Console.log(`wrote ${comparison.path}`)
      }
    })
).pipe(
  Command.withDescription(
    "Render report.md, results.csv, report.html, summary.json and charts from a run's run.json; --compare adds a comparison"
  )
)
