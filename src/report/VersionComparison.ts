/**
 * `report <run> --compare node,node@24`: two targets of one run (typically
 * one server on two runtime versions) compared like two runs, B / A, written
 * into the run's folder as `compare-<a>-<b>.md`.
 */
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { renderComparison } from "./CompareReport.ts"
import { ReportInputError, readRunFile, writeAtomically } from "./ReportWriter.ts"
import { splitTargets } from "./VersionViews.ts"

/** "node,node@24" → ["node", "node@24"]; anything else is not a pair of target names. */
export const targetPair = (text: string): readonly [string, string] | undefined => {
  const parts = text.split(",").map((s) => s.trim())
  return parts.length === 2 && parts.every((p) => /^[a-z0-9][a-z0-9-]*(@[0-9][0-9A-Za-z.-]*)?$/.test(p))
    ? [parts[0]!, parts[1]!]
    : undefined
}

export const writeTargetComparison = (runDir: string, a: string, b: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const run = yield* readRunFile(runDir)
    const names = run.targets.map((t) => t.name)
    for (const name of [a, b]) {
      if (!names.includes(name)) {
        return yield* new ReportInputError({
          path: path.join(runDir, "run.json"),
          problem: `the run has no target ${name} (it has ${names.join(", ")}): --compare takes another run folder, or two targets of this run such as ${names[0] ?? "node"},${names[1] ?? "node@24"}`
        })
      }
    }
    const [runA, runB] = splitTargets(run, a, b)
    const markdown = renderComparison(runA, runB)
    const file = path.join(runDir, `compare-${a}-${b}.md`)
    yield* writeAtomically(file, markdown)
    return { path: file, markdown }
  })
