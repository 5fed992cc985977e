/**
 * The parent's side of a saturation worker: starts `SaturateWorker.ts` on a
 * runtime as a pinned child process (system/ChildProcess.ts), hands each
 * JSON event it prints to a callback, writes commands to its stdin, and
 * stops it (SIGTERM, then SIGKILL) when the scope closes.
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import type * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type ChildExit, spawn } from "../system/ChildProcess.ts"
import type { OperatingSystem } from "../system/OperatingSystem.ts"
import { entryArgv, entryPoint, repoRoot } from "../targets/Runtimes.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
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
  /** Completes when the worker exits: code or signal, and when. */
  readonly exit: Deferred.Deferred<ChildExit>
  readonly stderrTail: () => string
}

/** argv that runs the worker entry with `args` on a runtime (the runtime's flags as for src/main.ts). */
export const workerArgv = (runtime: RuntimeSpec, args: ReadonlyArray<string>) =>
  Effect.map(entryArgv(runtime, args), (argv) => argv.map((arg) => (arg === entryPoint ? workerPath : arg)))

type WorkerEnvironment = Scope.Scope | CommandExecutor.CommandExecutor | FileSystem.FileSystem | OperatingSystem

/**
 * Starts a worker. Lines that are not events (a runtime's warnings on
 * stdout) are kept with its stderr, for error messages.
 */
export const startWorker = (
  name: string,
  runtime: RuntimeSpec,
  args: ReadonlyArray<string>,
  cpus: string | undefined,
  onEvent: (event: WorkerEvent) => void
): Effect.Effect<RunningWorker, WorkerFailedToStart, WorkerEnvironment> =>
  workerArgv(runtime, args).pipe(
    Effect.mapError((error) => new WorkerFailedToStart({ name, reason: error.message })),
    Effect.flatMap((argv) => startWorkerProcess(name, argv, cpus, onEvent))
  )

/** Starts any process that speaks the worker protocol (the native client with `--worker` does too). */
export const startWorkerProcess = (
  name: string,
  argv: ReadonlyArray<string>,
  cpus: string | undefined,
  onEvent: (event: WorkerEvent) => void
): Effect.Effect<RunningWorker, WorkerFailedToStart, WorkerEnvironment> =>
  Effect.gen(function* () {
    const commands = yield* Queue.unbounded<WorkerCommand>()
    yield* Effect.addFinalizer(() => Queue.shutdown(commands))
    const child = yield* spawn({
      name,
      argv,
      cpus,
      stdin: Stream.fromQueue(commands).pipe(
        Stream.map((line) => new TextEncoder().encode(`${line}\n`)),
        // A worker that has exited leaves a broken pipe; that is its exit, reported elsewhere.
        Stream.catchAll(() => Stream.empty)
      ),
      // Lines that are not events (a runtime's warnings on stdout) stay in the output tail.
      onStdout: (line) => {
        const event = decodeEvent(line)
        if (Option.isSome(event)) onEvent(event.value)
        return Option.isSome(event) || line.trim() === ""
      }
    }).pipe(Effect.mapError((error) => new WorkerFailedToStart({ name, reason: error.reason })))
    return {
      name,
      pid: child.pid,
      send: (line) => Queue.offer(commands, line).pipe(Effect.asVoid),
      exit: child.exit,
      stderrTail: () => child.output()
    }
  })
