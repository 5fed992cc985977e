/**
 * Entry of the two worker processes of a saturation run, on any runtime:
 *
 *   <runtime> src/run/SaturateWorker.ts client '<SaturationClientOptions JSON>'
 *   <runtime> src/run/SaturateWorker.ts probe '<ProbeOptions JSON>'
 *
 * Each is a process of its own (pinned by the parent) so that its CPU time
 * is its own, apart from the parent's sampling; it speaks the line protocol
 * of WorkerProtocol.ts. It loads no CLI, only the runtime's adapter, so it
 * starts quickly.
 */

import * as Terminal from "@effect/platform/Terminal"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { loadCurrentAdapter } from "../../adapters/current.ts"
import { makeProbe } from "../engine/ClientDelayProbe.ts"
import { startSaturation } from "../engine/SaturationEngine.ts"
import { ProbeOptions, SaturationClientOptions } from "../engine/SaturationReports.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"
import { CLOCK_TICKS, type ProcessSnapshot, processSnapshot } from "../system/ProcStat.ts"
import { validateClientOptions, validateProbeOptions } from "./SaturationOptions.ts"
import { decodeOptions, encodeEvent, type WorkerEvent } from "./WorkerProtocol.ts"

const emit = (event: WorkerEvent) => Console.log(encodeEvent(event))

/**
 * Commands from stdin, one per line. They only ever go forward (start, then
 * stop), so each is a Deferred; at the deadline "stop" completes by itself.
 */
const commandReader = (deadlineSeconds: number) =>
  Effect.gen(function* () {
    const terminal = yield* Terminal.Terminal
    const started = yield* Deferred.make<void>()
    const stopped = yield* Deferred.make<void>()
    yield* terminal.readLine.pipe(
      Effect.flatMap((line) => {
        const command = line.trim()
        return command === "start"
          ? Deferred.succeed(started, undefined)
          : command === "stop"
            ? Deferred.succeed(stopped, undefined)
            : Effect.void
      }),
      Effect.forever,
      // End of input or a broken pipe: the parent is gone, so stop.
      Effect.catchAll(() => Deferred.succeed(stopped, undefined)),
      Effect.forkScoped
    )
    yield* Deferred.succeed(stopped, undefined).pipe(Effect.delay(`${deadlineSeconds} seconds`), Effect.forkScoped)
    return {
      stopped: Deferred.await(stopped),
      /** "start", unless "stop" came first. */
      startOrStop: Effect.raceFirst(
        Deferred.await(started).pipe(Effect.as("start" as const)),
        Deferred.await(stopped).pipe(Effect.as("stop" as const))
      ).pipe(Effect.flatMap((first) => Effect.map(Deferred.isDone(stopped), (done) => (done ? "stop" : first))))
    }
  })

const ownPid = Effect.flatMap(OperatingSystem, (os) => os.selfPid)

const clientWorker = (json: string) =>
  Effect.gen(function* () {
    const options = yield* validateClientOptions(yield* decodeOptions(SaturationClientOptions, json))
    const commands = yield* commandReader(options.deadlineSeconds)
    const pid = yield* ownPid.pipe(Effect.orElseSucceed(() => 0))
    const handle = yield* startSaturation(options)
    const progress = handle.progress
    // Wall-clock time, so the parent can place ticks against its own samples.
    const tick = Effect.suspend(() =>
      emit({
        _tag: "tick",
        at: Date.now(),
        bytesVerified: progress.bytesVerified,
        open: progress.open,
        failed: progress.failed
      })
    )
    yield* tick.pipe(Effect.repeat(Schedule.spaced("250 millis")), Effect.forkScoped)
    const ramp = yield* Effect.raceFirst(
      handle.ramped.pipe(Effect.map(Option.some)),
      commands.stopped.pipe(Effect.as(Option.none()))
    )
    let before: Option.Option<ProcessSnapshot> = Option.none()
    if (Option.isSome(ramp)) {
      yield* emit({ _tag: "ramped", ...ramp.value })
      if ((yield* commands.startOrStop) === "start") {
        yield* handle.startSteady
        before = yield* processSnapshot(pid)
        yield* emit({ _tag: "steady" })
        yield* commands.stopped
      }
    }
    yield* tick
    const report = yield* handle.stop
    const after = yield* processSnapshot(pid)
    const cpu = Option.isSome(before) && Option.isSome(after) ? { before: before.value, after: after.value } : undefined
    yield* emit({
      _tag: "client-result",
      report: {
        ...report,
        cpuUserSeconds: cpu === undefined ? 0 : (cpu.after.userTicks - cpu.before.userTicks) / CLOCK_TICKS,
        cpuSystemSeconds: cpu === undefined ? 0 : (cpu.after.systemTicks - cpu.before.systemTicks) / CLOCK_TICKS,
        peakRssBytes: Option.isSome(after) ? after.value.peakRssBytes : 0
      }
    })
  }).pipe(Effect.scoped)

const probeWorker = (json: string) =>
  Effect.gen(function* () {
    const options = yield* validateProbeOptions(yield* decodeOptions(ProbeOptions, json))
    const commands = yield* commandReader(options.deadlineSeconds)
    const probe = yield* makeProbe(options)
    yield* emit({ _tag: "ready" })
    if ((yield* commands.startOrStop) === "start") {
      yield* probe.start
      yield* emit({ _tag: "steady" })
      yield* commands.stopped
    }
    yield* emit({ _tag: "probe-result", report: yield* probe.stop })
  }).pipe(Effect.scoped)

const adapter = await loadCurrentAdapter()

const program = Effect.gen(function* () {
  const args = adapter.argv.slice(2)
  const [role, json] = args
  if (json === undefined) {
    return yield* Effect.fail(
      new Error(`usage: SaturateWorker.ts client|probe '<options JSON>' (got ${args.join(" ")})`)
    )
  }
  if (role === "client") return yield* clientWorker(json)
  if (role === "probe") return yield* probeWorker(json)
  return yield* Effect.fail(new Error(`unknown worker role "${role}": client or probe`))
})

adapter.runMain(
  program.pipe(
    Effect.tapError((error) => emit({ _tag: "failed", message: error.message })),
    Effect.provide(LinuxSystem.layer),
    Effect.provide(Layer.merge(adapter.transport, adapter.platform))
  ),
  { disableErrorReporting: true }
)
