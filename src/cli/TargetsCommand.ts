/** `targets`: every echo server the suite knows, with its version read live and whether it can run here. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { alignedRows, plainTable } from "../report/Table.ts"
import { targetInfo } from "../run/RunTargets.ts"
import { discoverTargetsWithVersions } from "../targets/VersionedTargets.ts"

export const describeTargets = Effect.gen(function* () {
  const targets = yield* discoverTargetsWithVersions()
  return yield* Effect.forEach(
    targets,
    (target) =>
      Effect.map(targetInfo(target), ({ reason, ...info }) => ({
        ...info,
        unavailableReason: reason,
        variantOf: target.manifest.variantOf
      })),
    { concurrency: 4 }
  )
})

export const targetsCommand = Command.make(
  "targets",
  {
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON")),
    notes: Options.boolean("notes").pipe(Options.withDescription("Print each target's notes"))
  },
  ({ json, notes }) =>
    Effect.gen(function* () {
      const rows = yield* describeTargets
      if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
      const status = (r: (typeof rows)[number]) =>
        r.available ? "ok" : `missing: ${r.unavailableReason?.replace(/^\S+ cannot run here: /, "")}`
      const table = plainTable(
        ["target", "kind", "language", "version", "status"],
        [false, false, false, false, false],
        rows.map((r) => [r.name, r.kind, r.language, r.version, status(r)])
      )
      yield* Console.log(alignedRows(table).join("\n"))
      if (notes) {
        for (const r of rows) yield* Console.log(`\n${r.name}\n${r.notes.map((n) => `  · ${n}`).join("\n")}`)
      }
      const missing = rows.filter((r) => !r.available).length
      yield* Console.log(
        `\n${rows.length} targets, ${rows.length - missing} available${missing > 0 ? `; install the rest with \`npm run setup:frameworks\`` : ""}. --notes shows what to know about each.`
      )
    })
).pipe(Command.withDescription("List every target with its language, live version, availability and notes"))
