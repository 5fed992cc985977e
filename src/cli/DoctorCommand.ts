/**
 * `doctor`: what this machine allows, per connection count; what an earlier
 * run left behind (servers, workers, clients whose runner is gone; test-host
 * namespaces), removed with `--kill-leftovers`; `--tune`/`--restore` the
 * original benchmark's sysctls.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { doctorLines } from "../report/DoctorReport.ts"
import { largestPowerOfTwo, readLimits, restore, tune } from "../run/Preflight.ts"
import { leftovers, removeLeftovers } from "../system/ChildProcess.ts"
import { leftoverTestHosts, removeTestHost } from "../system/TestHost.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { integerListOption } from "./OptionValues.ts"

const leftoverLines = (kill: boolean) =>
  Effect.gen(function* () {
    const processes = yield* leftovers
    const namespaces = yield* leftoverTestHosts
    if (processes.length === 0 && namespaces.length === 0) return "left by earlier runs: nothing"
    const lines = [
      ...processes.map((p) => `  pid ${p.pid}: ${p.name} (its runner, pid ${p.parent}, is gone): ${p.command}`),
      ...namespaces.map((name) => `  test host ${name} (network namespace)`)
    ]
    if (!kill) return `left by earlier runs (\`doctor --kill-leftovers\` removes them):\n${lines.join("\n")}`
    const killed = yield* removeLeftovers(processes)
    for (const name of namespaces) yield* removeTestHost(name)
    return `left by earlier runs, removed (${killed.length} of ${processes.length} processes killed, ${namespaces.length} test hosts deleted):\n${lines.join("\n")}`
  })

export const doctorCommand = Command.make(
  "doctor",
  {
    tune: Options.boolean("tune").pipe(
      Options.withDescription("Apply the original benchmark's sysctls (root); old values are saved")
    ),
    restore: Options.boolean("restore").pipe(Options.withDescription("Put back the sysctls saved by --tune")),
    killLeftovers: Options.boolean("kill-leftovers").pipe(
      Options.withDescription("Kill processes and remove test hosts left by an earlier run whose runner is gone")
    ),
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
      const threadTargets = (yield* discoverTargets().pipe(Effect.orElseSucceed(() => [])))
        .filter((t) => t.manifest.threadPerConnection === true)
        .map((t) => t.manifest.name)
      yield* Console.log(doctorLines(limits, counts, threadTargets).join("\n"))
      yield* Console.log(yield* leftoverLines(parsed.killLeftovers))
    })
).pipe(Command.withDescription("Check the limits that decide which cells can run here"))
