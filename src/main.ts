/**
 * Entry point on every runtime: pick this runtime's adapter, check the
 * command line, run the CLI. Every error leaves as one message naming the
 * problem and the fix, and the exit code says what kind of failure it was
 * (see ExitCodes.ts); colour only on a terminal and without NO_COLOR.
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { loadCurrentAdapter } from "../adapters/current.ts"
import { cli, commandInfos, DESCRIPTION, EXAMPLES, VERSION } from "./cli/Cli.ts"
import { commandHelp, rootHelp, stripAnsi } from "./cli/CommandHelp.ts"
import { checkCommandLine, UsageError } from "./cli/CommandLine.ts"
import { exitCodeOf } from "./cli/ExitCodes.ts"
import * as LinuxSystem from "./system/LinuxSystem.ts"

const adapter = await loadCurrentAdapter()
const colour = adapter.stdoutIsTTY && (adapter.env.NO_COLOR ?? "") === "" && adapter.env.TERM !== "dumb"

const run = Effect.suspend((): Effect.Effect<void, unknown, Effect.Effect.Context<ReturnType<typeof cli>>> => {
  const line = checkCommandLine(adapter.argv.slice(2), commandInfos)
  switch (line._tag) {
    case "Help":
      return Console.log(
        line.command === undefined
          ? rootHelp(VERSION, DESCRIPTION, commandInfos)
          : commandHelp(line.command, EXAMPLES[line.command.name])
      )
    case "Invalid":
      return Effect.fail(new UsageError({ reason: line.message }))
    case "Run":
      return cli(adapter.argv)
  }
})

const report = (cause: Cause.Cause<unknown>) => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // @effect/cli has already printed its own validation errors.
    if (ValidationError.isValidationError(error)) return Effect.void
    return Console.error(`echoflood: ${error instanceof Error ? error.message : String(error)}`)
  }
  return Cause.isDie(cause) ? Console.error(`echoflood: internal error (a bug):\n${Cause.pretty(cause)}`) : Effect.void
}

/** Strips colour from everything printed when colour is off. */
const plainConsole = (console: Console.Console): Console.Console => {
  const strip = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? stripAnsi(a) : a))
  return {
    ...console,
    log: (...args) => console.log(...strip(args)),
    error: (...args) => console.error(...strip(args)),
    unsafe: {
      ...console.unsafe,
      log: (...args) => console.unsafe.log(...strip(args)),
      error: (...args) => console.unsafe.error(...strip(args))
    }
  }
}

const program = run.pipe(
  Effect.tapErrorCause(report),
  (effect) => (colour ? effect : Effect.flatMap(Effect.console, (c) => Effect.withConsole(effect, plainConsole(c)))),
  Effect.provide(LinuxSystem.layer),
  Effect.provide(Layer.merge(adapter.transport, adapter.platform))
)

adapter.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(exitCodeOf(exit))
})
