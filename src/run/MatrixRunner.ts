/**
 * Runs the comparison matrix: targets × connection counts × sizes, K
 * repetitions per cell after a warm-up, a fresh server per target (and after
 * any failed cell), `run.json` rewritten after every cell. Interruption
 * (Ctrl-C) and target failures keep everything measured so far; `--resume`
 * continues from the first cell without a final status.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { defaultFloodOptions, type FloodOptions } from "../engine/FloodOptions.ts"
import { type ChildExit, exitFields } from "../system/ChildProcess.ts"
import { overflowAdvice } from "../system/ListenQueue.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"
import { processSnapshot } from "../system/ProcStat.ts"
import { loopbackPlace, type ServerPlace } from "../targets/ServerPlace.ts"
import { serverPathsOf } from "../targets/ServerProcess.ts"
import { type LaunchedServer, launchTarget } from "../targets/TargetLauncher.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import { busyBeforeCell } from "./BusyCores.ts"
import { summarizeCell } from "./CellSummary.ts"
import { portCount, readLimits, threadsVerdict } from "./Preflight.ts"
import { planProcesses, serverSideOf } from "./ProcessPlan.ts"
import type { Cell, Crash, RunFile, Sample } from "./RunFile.ts"
import { saveRun } from "./RunStore.ts"
import { type ClientKind, runSample } from "./SampleRunner.ts"
import { splitFloodOptions } from "./SplitFlood.ts"
import { drainTimeWait } from "./TimeWaitDrain.ts"

/** What the runner tells the progress display. */
export interface ProgressEvent {
  readonly cellIndex: number
  readonly cellCount: number
  readonly cell: Cell
  readonly repetition: number
  /** Repetitions per cell, not counting the warm-up. */
  readonly repetitions: number
  readonly warmup: boolean
  readonly elapsedMs: number
  /** Undefined until a flood has been timed. */
  readonly etaMs: number | undefined
  readonly lastSeconds: number | undefined
  readonly note?: string
}

export interface RunnerHooks {
  readonly progress: (event: ProgressEvent) => Effect.Effect<void>
  readonly log: (line: string) => Effect.Effect<void>
}

const failureReason = (sample: Sample) => {
  const kinds = Object.entries(sample.flood.errors)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ")
  const first = sample.flood.errorDetails[0]?.message
  return `${sample.flood.connections - sample.flood.connectionsCompleted} of ${sample.flood.connections} connections failed (${kinds})${first === undefined ? "" : `; first: ${first}`}${overflowAdvice(sample.flood.listenOverflows)}`
}

/** A child's exit as run.json keeps it. */
export const crashOf = (
  process: string,
  pid: number,
  exit: ChildExit,
  runStartedMs: number,
  repetition: number,
  output: string
): Crash => ({
  process,
  pid,
  ...exitFields(exit),
  at: new Date(exit.at).toISOString(),
  secondsIntoRun: (exit.at - runStartedMs) / 1000,
  repetition,
  output
})

/** One line: which process, how it ended, when, in which cell, its last output. */
export const describeCrash = (crash: Crash, cell: Pick<Cell, "connections" | "bytesPerConnection">) => {
  const how = crash.signal !== undefined ? `was killed by ${crash.signal}` : `exited with code ${crash.exitCode}`
  const when = crash.repetition === 0 ? "the warm-up" : `repetition ${crash.repetition}`
  const lines = crash.output.trim().split("\n").slice(-5).join(" | ")
  return `the ${crash.process} (pid ${crash.pid}) ${how} ${crash.secondsIntoRun.toFixed(1)} s into the run, during ${when} of ${cell.connections}×${cell.bytesPerConnection / 1024} KiB; this cell is lost and the next gets a fresh server${lines === "" ? "" : `; its output ends: ${lines}`}`
}

export interface MatrixContext {
  readonly dir: string
  readonly targets: ReadonlyArray<Target>
  readonly client: ClientKind
  /** The server's cores (a multi-process target spreads over them) and the client's. */
  readonly serverCores: ReadonlyArray<number>
  readonly clientCores: ReadonlyArray<number>
  readonly hooks: RunnerHooks
  /** Try a target that failed to start again for every cell, instead of skipping the rest of its cells. */
  readonly retryFailedTargets?: boolean
  /** Where every server runs (a test host, an SSH host); this machine's loopback when absent. */
  readonly place?: ServerPlace
}

export const runMatrix = (initial: RunFile, context: MatrixContext) =>
  Effect.gen(function* () {
    const { hooks } = context
    const cells: Array<Cell> = initial.cells.map((c) =>
      c.status === "pending" ? { ...c, samples: [], summary: undefined } : c
    )
    let run: RunFile = { ...initial, cells, interruptedAt: undefined }
    const save = () => saveRun(context.dir, run)
    const setCell = (index: number, cell: Cell) =>
      Effect.suspend(() => {
        cells[index] = cell
        run = { ...run, cells: [...cells] }
        return save()
      })
    const startedMs = yield* Clock.currentTimeMillis
    const floodsPerCell = run.options.repetitions + (run.options.warmup ? 1 : 0)
    const pendingFloods = () => cells.filter((c) => c.status === "pending").length * floodsPerCell
    let floodsDone = 0
    let floodMs = 0

    yield* save()
    yield* Effect.addFinalizer((exit) =>
      Exit.isInterrupted(exit)
        ? Effect.suspend(() => {
            run = { ...run, interruptedAt: new Date().toISOString(), complete: false }
            return save().pipe(Effect.ignore)
          })
        : Effect.void
    )

    const limits = yield* readLimits
    const place = context.place ?? (yield* loopbackPlace())
    // Another host's /proc is read there; a test host shares this machine's.
    const remoteSystem = place.kind === "ssh" ? place.system : undefined
    for (const target of context.targets) {
      const name = target.manifest.name
      const indices = cells.flatMap((c, i) => (c.target === name && c.status === "pending" ? [i] : []))
      if (indices.length === 0) continue
      let scope: Scope.CloseableScope | undefined
      let server: LaunchedServer | undefined
      /** Why the target could not start, once it has failed to. */
      let startFailure: string | undefined
      let idleRssBytes: number | undefined
      const stop = Effect.suspend(() => {
        const s = scope
        scope = undefined
        server = undefined
        return s === undefined ? Effect.void : Scope.close(s, Exit.void)
      })
      const start = (processes: number) =>
        Effect.gen(function* () {
          yield* stop
          const s = yield* Scope.make()
          scope = s
          const launched = yield* Effect.either(
            launchTarget(target, {
              cpus: context.serverCores,
              processes,
              ...(context.place === undefined ? {} : { place: context.place })
            }).pipe(Scope.extend(s))
          )
          if (Either.isLeft(launched)) {
            yield* stop
            return Option.some(launched.left.message)
          }
          server = launched.right
          // Summed over the server's processes, as its peak RSS is.
          const idle = yield* Effect.forEach(server.pids, (pid) =>
            processSnapshot(pid).pipe(Effect.provideService(OperatingSystem, server!.system))
          )
          idleRssBytes = idle.every(Option.isSome)
            ? idle.reduce((sum, o) => sum + (Option.isSome(o) ? o.value.rssBytes : 0), 0)
            : undefined
          return Option.none<string>()
        })
      yield* Effect.ensuring(
        Effect.gen(function* () {
          for (const index of indices) {
            const cell = cells[index]!
            const planned = planProcesses({
              connections: cell.connections,
              openFilesHard: limits.openFilesHard,
              ports: portCount(limits),
              ...serverSideOf(target.manifest),
              ...(run.options.serverProcesses === undefined ? {} : { serverProcesses: run.options.serverProcesses })
            })
            const threads =
              target.manifest.threadPerConnection === true ? threadsVerdict(limits, cell.connections) : undefined
            if (planned._tag === "Impossible" || threads !== undefined) {
              const reason = planned._tag === "Impossible" ? planned.reason : threads!
              yield* setCell(index, { ...cell, status: "skipped", reason })
              continue
            }
            const plan = planned.plan
            if (plan.sourceAddresses > 1 && place.kind !== "loopback") {
              yield* setCell(index, {
                ...cell,
                status: "skipped",
                reason: `${cell.connections} connections need ${plan.sourceAddresses} loopback source addresses, and the server is not on loopback here (${place.kind}); run this cell on loopback`
              })
              continue
            }
            // Another process count than the running server's: start it anew with K processes.
            if (server !== undefined && server.processes !== plan.serverProcesses) yield* stop
            if (server === undefined) {
              if (startFailure !== undefined && context.retryFailedTargets !== true) {
                yield* setCell(index, {
                  ...cell,
                  status: "skipped",
                  reason: `${name} failed to start earlier in this run (${startFailure.split("\n")[0]}); \`--retry-failed-targets\` tries it again for every cell`
                })
                continue
              }
              if (plan.serverProcesses > 1) {
                yield* hooks.log(
                  `${name}: ${plan.serverProcesses} server processes on one port, ${plan.clientProcesses} client processes${plan.sourceAddresses > 1 ? ` over ${plan.sourceAddresses} source addresses` : ""} for ${cell.connections} connections`
                )
              }
              const problem = yield* start(plan.serverProcesses)
              if (Option.isSome(problem)) {
                startFailure = problem.value
                const rest = indices.filter((i) => i > index).length
                yield* hooks.log(
                  `${name}: ${problem.value}${rest > 0 && context.retryFailedTargets !== true ? `\n${name}: its ${rest} other cells are skipped (\`--retry-failed-targets\` tries each again)` : ""}`
                )
                yield* setCell(index, { ...cell, status: "failed", reason: problem.value })
                continue
              }
            }
            yield* drainTimeWait(cell.connections, hooks.log)
            const coresBusyBefore = yield* busyBeforeCell(context.serverCores, context.clientCores, remoteSystem)
            const single: FloodOptions = {
              ...defaultFloodOptions,
              host: place.host,
              port: server!.port,
              connections: cell.connections,
              bytesPerConnection: cell.bytesPerConnection,
              chunk: run.options.chunk,
              window: run.options.window,
              barrier: false,
              timeoutSeconds: run.options.timeoutSeconds
            }
            // Past one process the timeouts are flood's own for that case: a busy server may leave the
            // last of 32,768 connections unechoed for longer than 10 s and still serve every one.
            const options = plan.clientProcesses > 1 ? splitFloodOptions(single) : single
            const samples: Array<Sample> = []
            let failure: string | undefined
            let crash: Crash | undefined
            for (let rep = run.options.warmup ? 0 : 1; rep <= run.options.repetitions; rep++) {
              const elapsedMs = (yield* Clock.currentTimeMillis) - startedMs
              yield* hooks.progress({
                cellIndex: index,
                cellCount: cells.length,
                cell,
                repetition: rep,
                repetitions: run.options.repetitions,
                warmup: rep === 0,
                elapsedMs,
                etaMs: floodsDone === 0 ? undefined : (floodMs / floodsDone) * (pendingFloods() - rep),
                lastSeconds: samples[samples.length - 1]?.flood.seconds
              })
              const t0 = yield* Clock.currentTimeMillis
              const sample = yield* Effect.either(
                runSample({
                  client: context.client,
                  options,
                  serverPids: server!.pids,
                  plan,
                  serverCores: context.serverCores,
                  clientCores: context.clientCores,
                  repetition: rep,
                  warmup: rep === 0,
                  ...(remoteSystem === undefined ? {} : { serverSystem: remoteSystem })
                })
              )
              floodMs += (yield* Clock.currentTimeMillis) - t0
              floodsDone++
              // A killed server shows first as resets; its exit may be registered a moment later.
              const clean = Either.isRight(sample) && sample.right.flood.ok
              const died = yield* server!.firstExit(clean ? 0 : "1 second")
              if (Option.isSome(died)) {
                const { pid, exit, output } = died.value
                crash = crashOf(`${name} server`, pid, exit, startedMs, rep, output)
                failure = describeCrash(crash, cell)
              }
              if (Either.isLeft(sample)) {
                const client = sample.left._tag === "ClientFailed" ? sample.left.crash : undefined
                if (client !== undefined && crash === undefined) {
                  crash = crashOf(client.process, client.pid, client.exit, startedMs, rep, client.output)
                  failure = describeCrash(crash, cell)
                }
                failure ??= sample.left.message
              } else {
                samples.push({ ...sample.right, ...serverPathsOf(server!) })
                if (!sample.right.flood.ok) failure ??= failureReason(sample.right)
              }
              if (failure !== undefined) break
            }
            const summary = summarizeCell(samples)
            yield* setCell(index, {
              ...cell,
              samples,
              summary,
              status: failure === undefined ? "ok" : "failed",
              reason: failure,
              ...(crash === undefined ? {} : { crash }),
              ...(idleRssBytes !== undefined ? { serverIdleRssBytes: idleRssBytes } : {}),
              ...(coresBusyBefore !== undefined ? { coresBusyBefore } : {})
            })
            if (failure !== undefined) {
              yield* hooks.log(`${name} ${cell.connections}×${cell.bytesPerConnection}: FAILED: ${failure}`)
              // A server that failed may be wedged; the next cell gets a fresh one.
              yield* stop
            } else if (summary !== undefined) {
              yield* hooks.log(
                `${name} ${cell.connections}×${cell.bytesPerConnection / 1024} KiB: min ${summary.minSeconds.toFixed(3)} s, ${summary.mbPerSecond.toFixed(0)} MB/s${summary.clientBound ? " (client-bound)" : ""}`
              )
            }
          }
        }),
        stop
      )
    }
    run = { ...run, complete: cells.every((c) => c.status !== "pending") }
    yield* save()
    return run
  }).pipe(Effect.scoped)
