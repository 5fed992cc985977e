/**
 * `report <run> --compare node,node@24`: two targets of one run (typically
 * one server on two runtime versions) compared like two runs, B / A, written
 * into the run's folder as `compare-<a>-<b>.md`.
 */
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { loadRun } from "../run/RunStore.ts"
import { writeAtomically } from "../system/AtomicFile.ts"
import { UnknownTarget } from "../targets/TargetRegistry.ts"
import { compareRuns, renderComparison } from "./CompareReport.ts"
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
    const run = yield* loadRun(runDir)
    const names = run.targets.map((t) => t.name)
    for (const name of [a, b]) {
      // --compare takes another run folder, or two targets of this run.
      if (!names.includes(name)) return yield* new UnknownTarget({ name, known: names })
    }
    const [runA, runB] = splitTargets(run, a, b)
    const markdown = renderComparison(runA, runB)
    const file = path.join(runDir, `compare-${a}-${b}.md`)
    yield* writeAtomically(file, markdown)
    return { path: file, markdown, comparison: compareRuns(runA, runB) }
  })
