/**
 * Runs an echo server under test as a child process: pinned to a CPU set,
 * allowed the hard open-file limit, its output captured, stopped by PID
 * (SIGTERM, then SIGKILL after a grace period) when its scope closes,
 * whether the run succeeded, failed or was interrupted.
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** @category errors */
export class ServerFailedToStart extends Data.TaggedError("ServerFailedToStart")<{
  readonly name: string
  readonly reason: string
  readonly stderrTail: string
}> {
  override get message() {
    const tail = this.stderrTail.trim()
    return `${this.name} did not start: ${this.reason}${tail === "" ? "" : `\n--- last lines of its stderr ---\n${tail}`}`
  }
}

/** @category models */
export interface ServerSpec {
  readonly name: string
  readonly argv: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** CPU list for taskset, e.g. "0"; undefined leaves the server unpinned. */
  readonly cpus?: string
  readonly readyTimeout: Duration.DurationInput
  /** Grace between SIGTERM and SIGKILL. */
  readonly stopGrace?: Duration.DurationInput
}

/** @category models */
export interface RunningServer {
  readonly name: string
  readonly pid: number
  /** The port parsed from the server's "listening on host:port" line. */
  readonly port: number
  readonly stdoutTail: () => string
  readonly stderrTail: () => string
  /** Completes with the exit code if the server exits while we run. */
  readonly exited: Deferred.Deferred<number>
}

const TAIL_BYTES = 4096
const LISTENING = /listening on (?:\[([^\]]+)\]|([^\s:]+)):(\d+)/

class Tail {
  text = ""
  push(line: string) {
    this.text += `${line}\n`
    if (this.text.length > TAIL_BYTES * 2) this.text = this.text.slice(-TAIL_BYTES)
  }
  get value() {
    return this.text.slice(-TAIL_BYTES)
  }
}

/**
 * argv that runs `argv` with the hard open-file limit as its soft limit and
 * pinned to `cpus` (when given); `exec` keeps the PID, so it is the program's.
 */
export const withHardFileLimit = (argv: ReadonlyArray<string>, cpus: string | undefined): Array<string> => [
  "sh",
  "-c",
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
  "sh",
  ...(cpus === undefined ? [] : ["taskset", "-c", cpus]),
  ...argv
]

/**
 * Starts the server and waits until it prints its listening line. The scope
 * owns the process: closing it stops the server by PID.
 */
export const startServer = (
  spec: ServerSpec
): Effect.Effect<RunningServer, ServerFailedToStart, Scope.Scope | CommandExecutor.CommandExecutor> =>
  Effect.gen(function* () {
    const [program, ...args] = withHardFileLimit(spec.argv, spec.cpus)
    let command = Command.make(program!, ...args).pipe(Command.env(spec.env ?? {}))
    if (spec.cwd !== undefined) command = Command.workingDirectory(command, spec.cwd)
    const stdout = new Tail()
    const stderr = new Tail()
    const fail = (reason: string) => new ServerFailedToStart({ name: spec.name, reason, stderrTail: stderr.value })
    const proc = yield* Command.start(command).pipe(
      Effect.mapError((error) => fail(`could not run ${spec.argv[0]}: ${error.message}`))
    )
    const grace = spec.stopGrace ?? "3 seconds"
    yield* Effect.addFinalizer(() =>
      proc.kill("SIGTERM").pipe(
        Effect.timeoutFail({ duration: grace, onTimeout: () => "grace" as const }),
        Effect.catchAll(() => proc.kill("SIGKILL").pipe(Effect.timeout("2 seconds"))),
        Effect.ignore
      )
    )
    const port = yield* Deferred.make<number>()
    const exited = yield* Deferred.make<number>()
    const lines = (stream: Stream.Stream<Uint8Array, unknown>) => stream.pipe(Stream.decodeText(), Stream.splitLines)
    yield* lines(proc.stdout).pipe(
      Stream.runForEach((line) =>
        Effect.sync(() => stdout.push(line)).pipe(
          Effect.zipRight(
            Effect.suspend(() => {
              const match = LISTENING.exec(line)
              return match === null ? Effect.void : Deferred.succeed(port, Number(match[3]))
            })
          )
        )
      ),
      Effect.ignore,
      Effect.forkScoped
    )
    yield* lines(proc.stderr).pipe(
      Stream.runForEach((line) => Effect.sync(() => stderr.push(line))),
      Effect.ignore,
      Effect.forkScoped
    )
    yield* proc.exitCode.pipe(
      Effect.catchAll(() => Effect.succeed(-1)),
      Effect.flatMap((code) => Deferred.succeed(exited, code)),
      Effect.forkScoped
    )
    const ready = yield* Effect.raceFirst(
      Deferred.await(port).pipe(Effect.map(Option.some)),
      Deferred.await(exited).pipe(
        // Let the stderr reader catch the last lines before we quote them.
        Effect.delay("100 millis"),
        Effect.flatMap((code) => Effect.fail(fail(`it exited with code ${code} before listening`)))
      )
    ).pipe(
      Effect.timeout(spec.readyTimeout),
      Effect.catchTag("TimeoutException", () =>
        Effect.fail(
          fail(`no "listening on host:port" line within ${Duration.format(Duration.decode(spec.readyTimeout))}`)
        )
      )
    )
    return {
      name: spec.name,
      pid: proc.pid,
      port: Option.getOrThrow(ready),
      stdoutTail: () => stdout.value,
      stderrTail: () => stderr.value,
      exited
    }
  })
