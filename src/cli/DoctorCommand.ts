/** `doctor`: what this machine allows, per connection count; `--tune`/`--restore` the original benchmark's sysctls. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { doctorLines, largestPowerOfTwo, readLimits, restore, tune } from "../run/Preflight.ts"
import { integerListOption } from "./OptionValues.ts"

export const doctorCommand = Command.make(
  "doctor",
  {
    tune: Options.boolean("tune").pipe(
      Options.withDescription("Apply the original benchmark's sysctls (root); old values are saved")
    ),
    restore: Options.boolean("restore").pipe(Options.withDescription("Put back the sysctls saved by --tune")),
    connections: integerListOption("connections", "1000,10000").pipe(
      Options.optional,
      Options.withDescription("Comma-separated connection counts to check (default 1 to 32768 in powers of ten)")
    )
  },
  (parsed) =>
    Effect.gen(function* () {
      if (parsed.tune) {
        const changes = yield* tune
        yield* Console.log(
          `tuned (old values saved; \`doctor --restore\` puts them back):\n  ${changes.join("\n  ")}\n`
        )
      }
      if (parsed.restore) {
        const changes = yield* restore
        yield* Console.log(`restored:\n  ${changes.join("\n  ")}\n`)
      }
      const limits = yield* readLimits
      const counts = Option.match(parsed.connections, {
        onNone: () => [...new Set([1, 10, 100, 1000, 10000, largestPowerOfTwo(limits), 32768])].sort((a, b) => a - b),
        onSome: (counts) => counts
      })
      yield* Console.log(doctorLines(limits, counts).join("\n"))
    })
).pipe(Command.withDescription("Check the limits that decide which cells can run here"))
