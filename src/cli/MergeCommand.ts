/** `merge A.json B.json …`: one flood result from the partial results of flood workers. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { formatSummary } from "../report/FloodSummary.ts"
import { mergeWorkers, parseWorkerOutput, WorkerResultUnreadable } from "../run/WorkerMerge.ts"
import { MeasurementFailed } from "./ExitCodes.ts"

export const mergeCommand = Command.make(
  "merge",
  {
    files: Args.text({ name: "result.json" }).pipe(
      Args.atLeast(1),
      Args.withDescription("Each worker's output of `flood --workers W --worker-index I --json`")
    ),
    json: Options.boolean("json").pipe(Options.withDescription("Print one JSON object instead of a summary"))
  },
  ({ files, json }) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const reports = yield* Effect.forEach(files, (file) =>
        fs.readFileString(file).pipe(
          Effect.mapError(
            (error) => new WorkerResultUnreadable({ source: file, problem: `cannot be read (${error.message})` })
          ),
          Effect.flatMap((text) => parseWorkerOutput(file, text))
        )
      )
      const { merged, warnings } = yield* mergeWorkers(reports)
      for (const warning of warnings) yield* Console.error(`warning: ${warning}`)
      yield* Console.log(json ? JSON.stringify(merged) : formatSummary(merged, `${merged.host}:${merged.port}`))
      if (!merged.ok) {
        return yield* new MeasurementFailed({
          summary: `${merged.connections - merged.connectionsCompleted} of ${merged.connections} connections failed over ${reports.length} workers`
        })
      }
    })
).pipe(Command.withDescription("Combine flood workers' partial results into one flood result"))
