/**
 * Combines the partial results of flood workers (`flood --workers W
 * --worker-index I --start-at T --json`, one per host or pod) into one flood
 * result, and says which workers were still connecting at the start time:
 * their share started late, so the merged time holds their connecting too.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { FloodReport } from "../engine/FloodResult.ts"
import { mergeFloods } from "./FloodMerge.ts"

/** @category errors */
export class WorkerResultUnreadable extends Data.TaggedError("WorkerResultUnreadable")<{
  readonly source: string
  readonly problem: string
}> {
  override get message() {
    return `${this.source}: ${this.problem}. Give the JSON line that \`flood --json\` printed (kubectl logs … --tail=1)`
  }
}

const decode = Schema.decodeUnknownEither(Schema.parseJson(FloodReport))

/** The last line of a worker's output that is a flood result (logs may hold progress lines before it). */
export const parseWorkerOutput = (source: string, text: string): Effect.Effect<FloodReport, WorkerResultUnreadable> => {
  const lines = text.split("\n").filter((line) => line.trim().startsWith("{"))
  for (const line of lines.reverse()) {
    const decoded = decode(line.trim())
    if (decoded._tag === "Right") return Effect.succeed(decoded.right)
  }
  return Effect.fail(
    new WorkerResultUnreadable({
      source,
      problem: lines.length === 0 ? "holds no JSON line" : "holds no line that is a flood result"
    })
  )
}

/** "worker 1 of 2 was still connecting 420 ms after the start time" for each late worker. */
export const lateWorkers = (reports: ReadonlyArray<FloodReport>): Array<string> =>
  reports.flatMap((report, i) => {
    const late = report.startAt === undefined ? 0 : report.startAt.connectedAtMs - report.startAt.atMs
    const name =
      report.worker === undefined ? `result ${i + 1}` : `worker ${report.worker.index} of ${report.worker.of}`
    return late > 0 ? [`${name} was still connecting ${late.toFixed(0)} ms after the start time`] : []
  })

/** Workers in index order, checked to be one complete set when they say which share they are. */
export const mergeWorkers = (reports: ReadonlyArray<FloodReport>) =>
  Effect.gen(function* () {
    const ordered = [...reports].sort((a, b) => (a.worker?.index ?? 0) - (b.worker?.index ?? 0))
    const of = ordered[0]?.worker?.of
    const indices = ordered.map((r) => r.worker?.index)
    const complete = of === undefined || (ordered.length === of && indices.every((index, i) => index === i))
    const merged = yield* mergeFloods(ordered.map((report) => ({ report })))
    const warnings = [
      ...lateWorkers(ordered),
      ...(complete
        ? []
        : [`the results are workers ${indices.join(", ")} of ${of}: the merged result covers only their share`])
    ]
    return { merged, warnings }
  })
