/**
 * Helpers for the loopback integration tests: start a server as a child
 * process and run the `flood` CLI on a runtime as another, reading its
 * exit code and JSON report. Everything runs for real; nothing is mocked.
 */
import * as Command from "@effect/platform/Command"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { FloodReport } from "../flood/FloodReport.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import type { RuntimeName } from "../transport/Transport.ts"

export const startEchoServer = (runtime: RuntimeName, extra: ReadonlyArray<string> = []) =>
  Effect.flatMap(entryArgv(runtime, ["serve", "--port", "0", ...extra]), (argv) =>
    startServer({ name: `${runtime} serve`, argv, readyTimeout: "60 seconds" })
  )

export interface CliRun {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(
    Stream.decodeText(),
    Stream.runFold("", (a, b) => a + b)
  )

/** Runs the CLI on a runtime and collects its output; never fails on a non-zero exit. */
export const runCli = (runtime: RuntimeName, args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const argv = yield* entryArgv(runtime, args)
    const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)))
    const [stdout, stderr, exitCode] = yield* Effect.all([collect(proc.stdout), collect(proc.stderr), proc.exitCode], {
      concurrency: "unbounded"
    })
    return { exitCode, stdout, stderr } satisfies CliRun
  }).pipe(Effect.scoped)

export const parseReport = (stdout: string) => Schema.decodeUnknownSync(Schema.parseJson(FloodReport))(stdout.trim())
