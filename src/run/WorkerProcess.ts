/**
 * The parent's side of a saturation worker: starts `SaturateWorker.ts` on a
 * runtime, pinned to a core and allowed the hard open-file limit, hands each
 * JSON event it prints to a callback, writes commands to its stdin, and
 * stops it by PID (SIGTERM, then SIGKILL) when the scope closes.
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { entryArgv, entryPoint, repoRoot } from "../targets/Runtimes.ts"
import { withHardFileLimit } from "../targets/ServerProcess.ts"
import type { RuntimeName } from "../transport/Transport.ts"
import { decodeEvent, type WorkerCommand, type WorkerEvent } from "./WorkerProtocol.ts"

export const workerPath = `${repoRoot}/src/run/SaturateWorker.ts`

/** @category errors */
export class WorkerFailedToStart extends Data.TaggedError("WorkerFailedToStart")<{
  readonly name: string
  readonly reason: string
}> {
  override get message() {
    return `${this.name} did not start: ${this.reason}`
  }
}

/** @category models */
export interface RunningWorker {
  readonly name: string
  readonly pid: number
  readonly send: (command: WorkerCommand) => Effect.Effect<void>
  /** Completes with the exit code when the worker exits. */
  readonly exited: Deferred.Deferred<number>
  readonly stderrTail: () => string
}

const TAIL_BYTES = 4096

/** argv that runs the worker entry with `args` on a runtime (the runtime's flags as for src/main.ts). */
export const workerArgv = (runtime: RuntimeName, args: ReadonlyArray<string>) =>
  Effect.map(entryArgv(runtime, args), (argv) => argv.map((arg) => (arg === entryPoint ? workerPath : arg)))

/**
 * Starts a worker. Lines that are not events (a runtime's warnings on
 * stdout) are kept with its stderr, for error messages.
 */
export const startWorker = (
  name: string,
  runtime: RuntimeName,
  args: ReadonlyArray<string>,
  cpus: string | undefined,
  onEvent: (event: WorkerEvent) => void
): Effect.Effect<
  RunningWorker,
  WorkerFailedToStart,
  Scope.Scope | CommandExecutor.CommandExecutor | FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const argv = yield* workerArgv(runtime, args).pipe(
      Effect.mapError((error) => new WorkerFailedToStart({ name, reason: error.message }))
    )
    const commands = yield* Queue.unbounded<WorkerCommand>()
    yield* Effect.addFinalizer(() => Queue.shutdown(commands))
    const launcher = withHardFileLimit(argv, cpus)
    const command = Command.make(launcher[0]!, ...launcher.slice(1)).pipe(
      Command.stdin(
        Stream.fromQueue(commands).pipe(
          Stream.map((line) => new TextEncoder().encode(`${line}\n`)),
          // A worker that has exited leaves a broken pipe; that is its exit, reported elsewhere.
          Stream.catchAll(() => Stream.empty)
        )
      )
    )
    const proc = yield* Command.start(command).pipe(
      Effect.mapError((error) => new WorkerFailedToStart({ name, reason: error.message }))
    )
    yield* Effect.addFinalizer(() =>
      proc.kill("SIGTERM").pipe(
        Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => "grace" as const }),
        Effect.catchAll(() => proc.kill("SIGKILL").pipe(Effect.timeout("2 seconds"))),
        Effect.ignore
      )
    )
    let stderr = ""
    const keep = (line: string) => {
      stderr += `${line}\n`
      if (stderr.length > TAIL_BYTES * 2) stderr = stderr.slice(-TAIL_BYTES)
    }
    const exited = yield* Deferred.make<number>()
    const lines = (stream: Stream.Stream<Uint8Array, unknown>) => stream.pipe(Stream.decodeText(), Stream.splitLines)
    yield* lines(proc.stdout).pipe(
      Stream.runForEach((line) =>
        Effect.sync(() => {
          const event = decodeEvent(line)
          if (Option.isSome(event)) onEvent(event.value)
          else if (line.trim() !== "") keep(line)
        })
      ),
      Effect.ignore,
      Effect.forkScoped
    )
    yield* lines(proc.stderr).pipe(
      Stream.runForEach((line) => Effect.sync(() => keep(line))),
      Effect.ignore,
      Effect.forkScoped
    )
    yield* proc.exitCode.pipe(
      Effect.catchAll(() => Effect.succeed(-1)),
      Effect.flatMap((code) => Deferred.succeed(exited, code)),
      Effect.forkScoped
    )
    return {
      name,
      pid: proc.pid,
      send: (line) => Queue.offer(commands, line).pipe(Effect.asVoid),
      exited,
      stderrTail: () => stderr.slice(-TAIL_BYTES)
    }
  })
