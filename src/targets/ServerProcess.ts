/**
 * Runs an echo server under test as a pinned child process (see
 * system/ChildProcess.ts for pinning, death of the parent and the bounded
 * stop) and waits for its "listening on host:port" line.
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { awaitReady, type Child, type ChildExit, didNotStart, spawn } from "../system/ChildProcess.ts"
import type { OperatingSystem } from "../system/OperatingSystem.ts"

/** @category errors */
export class ServerFailedToStart extends Data.TaggedError("ServerFailedToStart")<{
  readonly name: string
  readonly reason: string
  readonly stderrTail: string
}> {
  override get message() {
    return didNotStart(this.name, this.reason, this.stderrTail)
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
  /** Grace between SIGTERM and SIGKILL (default 5 s). */
  readonly stopGrace?: Duration.DurationInput
  /** A stdout line giving the server's PID when the child is not the server itself (ssh to a server host). */
  readonly pidLine?: RegExp
}

/** @category models */
export interface RunningServer {
  readonly name: string
  /** The server's PID on the machine that runs it (over SSH: that host's). */
  readonly pid: number
  /** The port parsed from the server's "listening on host:port" line. */
  readonly port: number
  readonly child: Child
  /** How its sockets read, from a `reads: …` note in the listening line (our TS servers print one). */
  readonly readPath: string | undefined
  /** How its sockets write, from a `writes: …` note in the listening line. */
  readonly writePath: string | undefined
  /** Last lines of its stdout and stderr, interleaved. */
  readonly stderrTail: () => string
  /** Completes when the server exits: code or signal, and when. */
  readonly exit: Deferred.Deferred<ChildExit>
}

/** A sample's `serverReadPath` and `serverWritePath`, from what the server printed (absent for servers that print none). */
export const serverPathsOf = (server: {
  readonly readPath: string | undefined
  readonly writePath: string | undefined
}): { readonly serverReadPath?: string; readonly serverWritePath?: string } => ({
  ...(server.readPath === undefined ? {} : { serverReadPath: server.readPath }),
  ...(server.writePath === undefined ? {} : { serverWritePath: server.writePath })
})

const LISTENING = /listening on (?:\[([^\]]+)\]|([^\s:]+)):(\d+)/
const READ_PATH = /\breads: ((?:[^,()]|\([^()]*\))+)/
const WRITE_PATH = /\bwrites: ((?:[^,()]|\([^()]*\))+)/

/**
 * The `reads: …` and `writes: …` notes of a listening line. A note runs to
 * the next comma or the line's closing parenthesis, and may hold parentheses
 * of its own ("internal onread (shared buffer)").
 */
export const pathNotesOf = (line: string): { readPath: string | undefined; writePath: string | undefined } => ({
  readPath: READ_PATH.exec(line)?.[1],
  writePath: WRITE_PATH.exec(line)?.[1]
})

/**
 * Starts the server and waits until it prints its listening line. The scope
 * owns the process: closing it stops the server by PID.
 */
export const startServer = (
  spec: ServerSpec
): Effect.Effect<RunningServer, ServerFailedToStart, Scope.Scope | CommandExecutor.CommandExecutor | OperatingSystem> =>
  Effect.gen(function* () {
    const port = yield* Deferred.make<number>()
    let notes: ReturnType<typeof pathNotesOf> = { readPath: undefined, writePath: undefined }
    let serverPid: number | undefined
    const child = yield* spawn({
      ...spec,
      onStdout: (line) => {
        const pid = spec.pidLine?.exec(line)
        if (pid !== undefined && pid !== null) {
          serverPid = Number(pid[1])
          return true
        }
        const match = LISTENING.exec(line)
        if (match !== null) {
          notes = pathNotesOf(line)
          Deferred.unsafeDone(port, Effect.succeed(Number(match[3])))
        }
        return false
      }
    }).pipe(
      Effect.mapError((e) => new ServerFailedToStart({ name: spec.name, reason: e.reason, stderrTail: e.output }))
    )
    const listening = yield* awaitReady(child, port, spec.readyTimeout, {
      sign: `"listening on host:port" line`,
      before: "listening"
    }).pipe(
      Effect.mapError((e) => new ServerFailedToStart({ name: spec.name, reason: e.reason, stderrTail: e.output }))
    )
    return {
      name: spec.name,
      pid: serverPid ?? child.pid,
      port: listening,
      ...notes,
      child,
      stderrTail: () => child.output(),
      exit: child.exit
    }
  })
