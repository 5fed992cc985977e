/**
 * One way to run a child process: pinned with `taskset`, allowed the hard
 * open-file limit, tied to this process's life, its output tails kept, its
 * exit told apart (code or signal name), and stopped by a bounded sequence.
 *
 * - **Death of the parent**: the child runs under `setpriv --pdeathsig KILL`
 *   (util-linux), so the kernel kills it when the process that started it
 *   dies, even by SIGKILL. `exec` keeps one PID through `sh`, `setpriv` and
 *   `taskset`, so the program itself carries the death signal. Where setpriv
 *   is missing the child runs without it, and `doctor` finds what is left.
 * - **Stop**: SIGTERM to the child's process group, up to `stopGrace`
 *   (default 5 s) for it to exit, then SIGKILL and up to 2 s more. The waits
 *   are sleeps, not timeouts that interrupt a waiting fiber, so they end on
 *   time inside a finalizer (which cannot be interrupted) as anywhere else:
 *   on normal end, failure and Ctrl-C alike.
 * - **Leftovers**: every child carries `ECHOFLOOD_CHILD` (its name) and
 *   `ECHOFLOOD_PARENT` (our PID) in its environment; `leftovers` lists the
 *   marked processes whose parent is gone.
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { OperatingSystem, type ProcessEntry } from "./OperatingSystem.ts"

/** @category errors */
export class ChildFailedToStart extends Data.TaggedError("ChildFailedToStart")<{
  readonly name: string
  readonly reason: string
  /** Last lines of its output, stdout and stderr interleaved. */
  readonly output: string
}> {
  override get message() {
    return didNotStart(this.name, this.reason, this.output)
  }
}

/** "X did not start: why", then the last lines of its output when it printed any. */
export const didNotStart = (name: string, reason: string, output: string) => {
  const tail = output.trim()
  return `${name} did not start: ${reason}${tail === "" ? "" : `\n--- last lines of its output ---\n${tail}`}`
}

/** How a child ended. @category models */
export interface ChildExit {
  /** Exit code, when it exited by itself. */
  readonly code: number | undefined
  /** Signal name (e.g. "SIGKILL"), when a signal ended it. */
  readonly signal: string | undefined
  /** Wall-clock time of the exit (ms since the epoch). */
  readonly at: number
}

/** "exited with code 1" or "was killed by SIGKILL". */
export const describeExit = (exit: ChildExit) =>
  exit.signal !== undefined ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? "unknown"}`

/** The exit as records keep it: `exitCode` or `signal`, whichever ended it. */
export const exitFields = (exit: ChildExit): { exitCode?: number; signal?: string } => ({
  ...(exit.code === undefined ? {} : { exitCode: exit.code }),
  ...(exit.signal === undefined ? {} : { signal: exit.signal })
})

/** The exit if it has come, without waiting. */
export const exitSoFar = (exit: Deferred.Deferred<ChildExit>) => pollExit(exit, Duration.zero)

/** "name (pid N) was killed by SIGKILL: last lines", or only the last lines while it runs. */
export const describeEnd = (name: string, pid: number, exit: Option.Option<ChildExit>, output: string) => {
  const tail = output.trim()
  if (Option.isNone(exit)) return tail === "" ? `${name} (pid ${pid}) printed nothing` : tail
  return `${name} (pid ${pid}) ${describeExit(exit.value)}${tail === "" ? "" : `: ${tail}`}`
}

/** @category models */
export interface ChildSpec {
  readonly name: string
  readonly argv: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** CPU list for taskset, e.g. "0"; undefined leaves the child unpinned. */
  readonly cpus?: string
  /** Between SIGTERM and SIGKILL; 5 s when absent. */
  readonly stopGrace?: Duration.DurationInput
  readonly stdin?: Stream.Stream<Uint8Array>
  /** Every stdout line, as it arrives; return true to keep it out of the output tail. */
  readonly onStdout?: (line: string) => boolean | undefined
}

/** @category models */
export interface Child {
  readonly name: string
  readonly pid: number
  /** Wall-clock start (ms since the epoch). */
  readonly startedAt: number
  /** Completes when the child exits, for whatever reason. */
  readonly exit: Deferred.Deferred<ChildExit>
  /** Last lines of stdout and stderr, interleaved as they came. */
  readonly output: (lines?: number) => string
  readonly stderr: () => string
  /** SIGTERM, then SIGKILL after the grace period; bounded whatever the child does. */
  readonly stop: Effect.Effect<Option.Option<ChildExit>>
  /** The exit, or none if it did not come within `timeout`. */
  readonly awaitExit: (timeout: Duration.DurationInput) => Effect.Effect<Option.Option<ChildExit>>
}

export const DEFAULT_STOP_GRACE: Duration.DurationInput = "5 seconds"
const KILL_WAIT = Duration.seconds(2)
const POLL = Duration.millis(20)
const TAIL_LINES = 60
const TAIL_CHARS = 4096

/**
 * argv that runs `argv` with the hard open-file limit as its soft limit,
 * killed when its parent dies (where setpriv exists) and pinned to `cpus`
 * (when given). Each step `exec`s, so the PID is the program's.
 */
export const childArgv = (argv: ReadonlyArray<string>, cpus: string | undefined): Array<string> => [
  "sh",
  "-c",
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null; command -v setpriv >/dev/null 2>&1 && exec setpriv --pdeathsig KILL -- "$@"; exec "$@"',
  "sh",
  ...(cpus === undefined ? [] : ["taskset", "-c", cpus]),
  ...argv
]

class Tail {
  private lines: Array<string> = []
  private stderrLines: Array<string> = []
  push(line: string, fromStderr: boolean) {
    this.lines.push(line)
    if (this.lines.length > TAIL_LINES) this.lines.shift()
    if (fromStderr) {
      this.stderrLines.push(line)
      if (this.stderrLines.length > TAIL_LINES) this.stderrLines.shift()
    }
  }
  output(n: number) {
    return this.lines.slice(-n).join("\n").slice(-TAIL_CHARS)
  }
  stderr() {
    return this.stderrLines.join("\n").slice(-TAIL_CHARS)
  }
}

// The platform reports a signal death as a failure whose message names the signal.
export const signalOf = (error: { readonly message: string }) =>
  /\b(SIG[A-Z0-9]+)\b/.exec(error.message)?.[1] ?? "a signal"

/** Polls (sleeps, never interrupts) until the exit or the time is up. */
const pollExit = (exit: Deferred.Deferred<ChildExit>, within: Duration.Duration) =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(within)
    while (true) {
      const done = yield* Deferred.poll(exit)
      if (Option.isSome(done)) return Option.some(yield* done.value)
      if (Date.now() >= deadline) return Option.none<ChildExit>()
      yield* Effect.sleep(POLL)
    }
  })

/**
 * Starts a child in the current scope. Closing the scope stops it (bounded,
 * see `stop`); the scope's close never waits on the child beyond that.
 */
export const spawn = (
  spec: ChildSpec
): Effect.Effect<Child, ChildFailedToStart, Scope.Scope | CommandExecutor.CommandExecutor | OperatingSystem> =>
  Effect.gen(function* () {
    const os = yield* OperatingSystem
    const parent = yield* os.selfPid
    const [program, ...args] = childArgv(spec.argv, spec.cpus)
    let command = Command.make(program!, ...args).pipe(
      Command.env({ ...spec.env, ECHOFLOOD_CHILD: spec.name, ECHOFLOOD_PARENT: String(parent) })
    )
    if (spec.cwd !== undefined) command = Command.workingDirectory(command, spec.cwd)
    if (spec.stdin !== undefined) command = Command.stdin(command, spec.stdin)
    const tail = new Tail()
    const outer = yield* Effect.scope
    // The platform's own release waits for the exit without bound; it gets a
    // scope of its own, closed in the background once our bounded stop is done.
    const inner = yield* Scope.fork(outer, ExecutionStrategy.sequential)
    const proc = yield* Command.start(command).pipe(
      Scope.extend(inner),
      Effect.mapError(
        (error) =>
          new ChildFailedToStart({
            name: spec.name,
            reason: `could not run ${spec.argv[0]}: ${error.message}`,
            output: ""
          })
      )
    )
    const exit = yield* Deferred.make<ChildExit>()
    const grace = Duration.decode(spec.stopGrace ?? DEFAULT_STOP_GRACE)
    const signal = (sig: "SIGTERM" | "SIGKILL") =>
      // The platform's kill also waits for the exit; that wait runs detached.
      Effect.forkDaemon(proc.kill(sig).pipe(Effect.ignore)).pipe(Effect.zipRight(Effect.yieldNow()))
    const stop = Effect.gen(function* () {
      const already = yield* Deferred.poll(exit)
      if (Option.isSome(already)) return Option.some(yield* already.value)
      yield* signal("SIGTERM")
      const graceful = yield* pollExit(exit, grace)
      if (Option.isSome(graceful)) return graceful
      yield* signal("SIGKILL")
      return yield* pollExit(exit, KILL_WAIT)
    }).pipe(Effect.uninterruptible)
    yield* Effect.addFinalizer(() =>
      stop.pipe(Effect.zipRight(Effect.forkDaemon(Scope.close(inner, Exit.void))), Effect.asVoid)
    )
    const lines = (stream: Stream.Stream<Uint8Array, unknown>) => stream.pipe(Stream.decodeText(), Stream.splitLines)
    yield* lines(proc.stdout).pipe(
      Stream.runForEach((line) =>
        Effect.sync(() => {
          if (spec.onStdout?.(line) !== true) tail.push(line, false)
        })
      ),
      Effect.ignore,
      Effect.forkIn(inner)
    )
    yield* lines(proc.stderr).pipe(
      Stream.runForEach((line) => Effect.sync(() => tail.push(line, true))),
      Effect.ignore,
      Effect.forkIn(inner)
    )
    yield* proc.exitCode.pipe(
      Effect.either,
      Effect.flatMap((result) =>
        Deferred.succeed(exit, {
          code: result._tag === "Right" ? Number(result.right) : undefined,
          signal: result._tag === "Left" ? signalOf(result.left) : undefined,
          at: Date.now()
        })
      ),
      // In the process's own scope: it must still see the exit while our stop waits for it.
      Effect.forkIn(inner)
    )
    return {
      name: spec.name,
      pid: proc.pid,
      startedAt: Date.now(),
      exit,
      output: (n = 20) => tail.output(n),
      stderr: () => tail.stderr(),
      stop,
      awaitExit: (timeout) => pollExit(exit, Duration.decode(timeout))
    } satisfies Child
  })

/**
 * Waits until `ready` completes, failing if the child exits first or
 * `timeout` passes; `what` names the awaited sign and what it means.
 */
export const awaitReady = <A>(
  child: Child,
  ready: Deferred.Deferred<A>,
  timeout: Duration.DurationInput,
  what: { readonly sign: string; readonly before: string }
) =>
  Effect.raceFirst(
    Deferred.await(ready),
    Deferred.await(child.exit).pipe(
      // Let the output readers catch the last lines before they are quoted.
      Effect.delay("100 millis"),
      Effect.flatMap((exit) =>
        Effect.fail(
          new ChildFailedToStart({
            name: child.name,
            reason: `it ${describeExit(exit)} before ${what.before}`,
            output: child.output()
          })
        )
      )
    )
  ).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new ChildFailedToStart({
          name: child.name,
          reason: `no ${what.sign} within ${Duration.format(Duration.decode(timeout))}`,
          output: child.output()
        })
    })
  )

/** A marked process whose parent (an echoflood runner) is gone. @category models */
export interface Leftover {
  readonly pid: number
  readonly name: string
  readonly parent: number
  readonly command: string
}

/** Processes started by an echoflood runner that no longer exists (servers, workers, clients). */
export const leftovers = Effect.gen(function* () {
  const os = yield* OperatingSystem
  const all = yield* os.processes
  const alive = new Set(all.map((p) => p.pid))
  const self = yield* os.selfPid
  return all.flatMap((p: ProcessEntry): Array<Leftover> => {
    const name = p.marks.ECHOFLOOD_CHILD
    const parent = Number(p.marks.ECHOFLOOD_PARENT)
    if (name === undefined || p.pid === self || alive.has(parent)) return []
    return [{ pid: p.pid, name, parent, command: p.command }]
  })
})

/** Kills leftovers with SIGKILL; returns the ones that were still there to kill. */
export const removeLeftovers = (found: ReadonlyArray<Leftover>) =>
  Effect.flatMap(OperatingSystem, (os) => Effect.filter(found, (leftover) => os.signal(leftover.pid, "SIGKILL")))

/** @category errors */
export class ChildOverran extends Data.TaggedError("ChildOverran")<{
  readonly name: string
  readonly pid: number
  readonly boundSeconds: number
  /** What the bound is made of, e.g. "its --timeout 60 s + 30 s to start and report". */
  readonly bound: string
  readonly output: string
}> {
  override get message() {
    const tail = this.output.trim()
    return `${this.name} (pid ${this.pid}) did not finish within ${this.boundSeconds} s (${this.bound}); it was stopped${tail === "" ? "" : `\n--- last lines of its output ---\n${tail}`}`
  }
}

/** What a child that ran to completion left. @category models */
export interface Completed {
  readonly pid: number
  readonly exit: ChildExit
  readonly stdout: string
  /** Last lines of its output, stderr included. */
  readonly output: string
}

/**
 * Runs a child to its exit, keeping all of stdout, within `boundSeconds`;
 * past it the child is stopped and the run fails with `ChildOverran`.
 */
export const runToCompletion = (spec: ChildSpec, boundSeconds: number, bound: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      let stdout = ""
      const child = yield* spawn({
        ...spec,
        onStdout: (line) => {
          stdout += `${line}\n`
          return spec.onStdout?.(line) ?? true
        }
      })
      const exit = yield* child.awaitExit(Duration.seconds(boundSeconds))
      if (Option.isNone(exit)) {
        yield* child.stop
        return yield* new ChildOverran({ name: spec.name, pid: child.pid, boundSeconds, bound, output: child.output() })
      }
      // The exit can overtake the last output lines; give the readers a moment.
      yield* Effect.sleep("20 millis")
      return { pid: child.pid, exit: exit.value, stdout, output: child.output() } satisfies Completed
    })
  )
