/** What each runtime folder exports from its `index.ts`. */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Terminal from "@effect/platform/Terminal"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import type { Transport } from "../src/transport/Transport.ts"

export interface RuntimeAdapter {
  readonly transport: Layer.Layer<Transport>
  /** Files, processes and terminal for the CLI and the suite. */
  readonly platform: Layer.Layer<
    FileSystem.FileSystem | Path.Path | Terminal.Terminal | CommandExecutor.CommandExecutor
  >
  /** Command-line arguments in Node's shape: [runtime, script, ...args]. */
  readonly argv: ReadonlyArray<string>
  /** The process environment (NO_COLOR and the like). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether standard output is a terminal (colour and progress lines only then). */
  readonly stdoutIsTTY: boolean
  /** Runs the program, interrupting it on SIGINT/SIGTERM; `teardown` turns how it ended into the exit code. */
  readonly runMain: <E, A>(
    effect: Effect.Effect<A, E>,
    options?: {
      readonly disableErrorReporting?: boolean
      readonly teardown?: (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void) => void
    }
  ) => void
}
