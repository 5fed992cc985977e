/**
 * Helpers for the loopback integration tests: start a server as a child
 * process and run the `flood` CLI on a runtime as another, reading its
 * exit code and JSON report. Everything runs for real; nothing is mocked.
 */

import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { FloodReport } from "../engine/FloodResult.ts"
import { capture } from "../system/CapturedCommand.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import type { RuntimeName } from "../transport/Transport.ts"

export const startEchoServer = (runtime: RuntimeName, extra: ReadonlyArray<string> = []) =>
  Effect.flatMap(entryArgv(runtime, ["serve", "--port", "0", ...extra]), (argv) =>
    startServer({ name: `${runtime} serve`, argv, readyTimeout: "60 seconds" })
  )

/** Runs the CLI on a runtime and collects its exit code and output; never fails on a non-zero exit. */
export const runCli = (runtime: RuntimeName, args: ReadonlyArray<string>) =>
  Effect.flatMap(entryArgv(runtime, args), (argv) => capture(argv))

/**
 * A flood's stderr without its busy-cores warning: test files run side by side, so the cores are often busy
 * before a test's flood, and saying so is right; any other line on stderr still fails the test.
 */
export const stderrBeyondBusyWarning = (stderr: string) =>
  stderr.replace(/^warning: .* before the flood: figures will be noisy\n/m, "")

export const parseReport = (stdout: string) => Schema.decodeUnknownSync(Schema.parseJson(FloodReport))(stdout.trim())
