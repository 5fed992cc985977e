/** Runs a short command to completion, keeping its exit code and combined output. */
import * as Command from "@effect/platform/Command"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

export interface Captured {
  readonly exitCode: number
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
export const capture = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)).pipe(Command.env(env)))
      const [stdout, stderr, exitCode] = yield* Effect.all(
        [text(proc.stdout), text(proc.stderr), proc.exitCode.pipe(Effect.orElseSucceed(() => -1))],
        { concurrency: "unbounded" }
      )
      return { exitCode: exitCode as number, stdout, stderr } satisfies Captured
    })
  ).pipe(
    Effect.catchAll((error) => Effect.succeed({ exitCode: 127, stdout: "", stderr: error.message } satisfies Captured))
  )
