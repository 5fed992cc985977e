/** Runs a short command to completion, keeping its exit code and combined output. */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { signalOf } from "./ChildProcess.ts"

export interface Captured {
  /** -1 when a signal ended it. */
  readonly exitCode: number
  /** The signal's name (e.g. "SIGKILL") when one ended it. */
  readonly signal?: string
  readonly stdout: string
  readonly stderr: string
}

const text = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(
    Stream.decodeText(),
    Stream.runFold("", (a, b) => a + b),
    Effect.orElseSucceed(() => "")
  )

/** Never fails: a command that cannot start gives exit code 127 and the reason on stderr. */
export const capture = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Captured, never, CommandExecutor.CommandExecutor> =>
  Effect.scoped(
    Effect.gen(function* () {
      const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)).pipe(Command.env(env)))
      const outputs = [text(proc.stdout), text(proc.stderr), Effect.either(proc.exitCode)] as const
      const [stdout, stderr, exit] = yield* Effect.all(outputs, { concurrency: "unbounded" })
      return exit._tag === "Right"
        ? ({ exitCode: Number(exit.right), stdout, stderr } satisfies Captured)
        : ({ exitCode: -1, signal: signalOf(exit.left), stdout, stderr } satisfies Captured)
    })
  ).pipe(
    Effect.catchAll((error) => Effect.succeed({ exitCode: 127, stdout: "", stderr: error.message } satisfies Captured))
  )
