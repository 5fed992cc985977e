/**
 * Entry point on every runtime: pick this runtime's adapter, run the CLI.
 * Errors are printed as one message naming the problem and the fix; the exit
 * code is non-zero for any failure.
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { loadCurrentAdapter } from "../adapters/current.ts"
import { cli } from "./cli/Cli.ts"
import * as LinuxSystem from "./system/LinuxSystem.ts"

const adapter = await loadCurrentAdapter()

const program = cli(adapter.argv).pipe(
  Effect.tapError((error) =>
    // @effect/cli has already printed its own validation errors with usage.
    ValidationError.isValidationError(error) ? Effect.void : Console.error(`echoflood: ${error.message}`)
  ),
  Effect.provide(LinuxSystem.layer),
  Effect.provide(Layer.merge(adapter.transport, adapter.platform))
)

adapter.runMain(program, { disableErrorReporting: true })
