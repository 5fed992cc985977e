/**
 * Measures one sample: runs the flood client as its own pinned process
 * against a running server and reads, over exactly the flood's window, the
 * busy share of the server's and the client's cores, the server's CPU time,
 * context switches and peak memory.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type { FloodOptions } from "../engine/FloodOptions.ts"
import { countingOverflows } from "../system/ListenQueue.ts"
import { OperatingSystem, type OperatingSystemService } from "../system/OperatingSystem.ts"
import {
  coreLoad,
  isClientBound,
  type ProcessSnapshot,
  processSnapshot,
  resetPeakRss,
  type SystemSnapshot,
  serverUsage,
  systemSnapshot
} from "../system/ProcStat.ts"
import { type ClientKind, runClients } from "./ClientProcesses.ts"
import type { ProcessPlan } from "./ProcessPlan.ts"
import type { Sample, ServerUsage } from "./RunFile.ts"

export {
  CLIENT_START_SECONDS,
  ClientFailed,
  type ClientKind,
  clientArgv,
  clientBoundSeconds
} from "./ClientProcesses.ts"

const TIME = "/usr/bin/time"

/** Below this the core shares are mostly sampling padding, so no client-bound verdict is given. */
const MIN_WINDOW_SECONDS = 0.1
const SAMPLE_EVERY = "25 millis"

export { isClientBound }

export interface SampleSpec {
  readonly client: ClientKind
  readonly options: FloodOptions
  /** Every process of the server: its usage is their sum. */
  readonly serverPids: ReadonlyArray<number>
  /** Core loads are taken over all of a side's cores together. */
  readonly serverCores: ReadonlyArray<number>
  readonly clientCores: ReadonlyArray<number>
  readonly repetition: number
  readonly warmup: boolean
  /** Client processes and source addresses; one process when absent. */
  readonly plan?: ProcessPlan
  /** Run the client under /usr/bin/time (when there) and record its CPU and peak RSS. */
  readonly timeClient?: boolean
  /**
   * The system of another host the server runs on (over SSH): the server's
   * processes, its core and the context switches are read there, sampled less
   * often since each reading is a round trip; the client's core here.
   */
  readonly serverSystem?: OperatingSystemService
}

const singleProcess = (connections: number): ProcessPlan => ({
  serverProcesses: 1,
  clientProcesses: 1,
  clientConnections: [connections],
  sourceAddresses: 1,
  filesPerServerProcess: connections
})

/** The server side's usage: CPU and context switches summed over its processes, memory too (each has its own). */
export const sumUsage = (usages: ReadonlyArray<ServerUsage>): ServerUsage | undefined =>
  usages.length === 0
    ? undefined
    : usages.reduce((a, b) => ({
        pid: a.pid,
        cpuUserSeconds: a.cpuUserSeconds + b.cpuUserSeconds,
        cpuSystemSeconds: a.cpuSystemSeconds + b.cpuSystemSeconds,
        voluntaryContextSwitches: a.voluntaryContextSwitches + b.voluntaryContextSwitches,
        involuntaryContextSwitches: a.involuntaryContextSwitches + b.involuntaryContextSwitches,
        peakRssBytes: a.peakRssBytes + b.peakRssBytes,
        rssBytes: a.rssBytes + b.rssBytes
      }))

const snapshotsOf = (pids: ReadonlyArray<number>) => Effect.forEach(pids, processSnapshot)
const SAMPLE_REMOTE_EVERY = "250 millis"

/** Readings of /proc/stat every `every` until interrupted, kept in `into`. */
const sampleInto = (into: Array<SystemSnapshot>, every: Duration.DurationInput) =>
  systemSnapshot.pipe(
    Effect.tap((s) => Effect.sync(() => into.push(s))),
    Effect.zipRight(Effect.sleep(every)),
    Effect.forever,
    Effect.fork
  )

const usageOf = (
  before: ReadonlyArray<Option.Option<ProcessSnapshot>>,
  after: ReadonlyArray<Option.Option<ProcessSnapshot>>
) =>
  sumUsage(
    before.flatMap((b, i) => {
      const a = after[i]
      return Option.isSome(b) && a !== undefined && Option.isSome(a) ? [serverUsage(b.value, a.value)] : []
    })
  )

const nearestBefore = (snapshots: ReadonlyArray<SystemSnapshot>, at: number) => {
  let best = snapshots[0]!
  for (const s of snapshots) if (s.at <= at) best = s
  return best
}
const firstAfter = (snapshots: ReadonlyArray<SystemSnapshot>, at: number) =>
  snapshots.find((s) => s.at >= at) ?? snapshots[snapshots.length - 1]!

export const runSample = (spec: SampleSpec) =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const timed = spec.timeClient === true && (yield* fs.exists(TIME).pipe(Effect.orElseSucceed(() => false)))
      const local = yield* OperatingSystem
      const there = spec.serverSystem ?? local
      const onServer = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.provideService(effect, OperatingSystem, there)
      const snapshots: Array<SystemSnapshot> = [yield* systemSnapshot]
      const sampler = yield* sampleInto(snapshots, SAMPLE_EVERY)
      const serverSnapshots: Array<SystemSnapshot> = spec.serverSystem === undefined ? snapshots : []
      const serverSampler =
        spec.serverSystem === undefined ? undefined : yield* onServer(sampleInto(serverSnapshots, SAMPLE_REMOTE_EVERY))
      yield* onServer(Effect.forEach(spec.serverPids, resetPeakRss))
      const serverBefore = yield* onServer(snapshotsOf(spec.serverPids))
      const startedAt = new Date().toISOString()
      const clients = runClients(
        spec.client,
        spec.options,
        spec.plan ?? singleProcess(spec.options.connections),
        spec.clientCores.join(","),
        timed
      )
      const counted = yield* countingOverflows(
        clients,
        spec.serverPids[0] ?? "self",
        spec.serverSystem === undefined ? undefined : there
      )
      const { reportAt, usage } = counted.result
      const flood =
        counted.listenOverflows === undefined
          ? counted.result.flood
          : { ...counted.result.flood, listenOverflows: counted.listenOverflows }
      const serverAfter = yield* onServer(snapshotsOf(spec.serverPids))
      snapshots.push(yield* systemSnapshot)
      yield* Fiber.interrupt(sampler)
      if (serverSampler !== undefined) {
        serverSnapshots.push(yield* onServer(systemSnapshot))
        yield* Fiber.interrupt(serverSampler)
      }
      const end = reportAt > 0 ? reportAt : snapshots[snapshots.length - 1]!.at
      const start = end - flood.seconds * 1000
      const before = nearestBefore(snapshots, start)
      const after = firstAfter(snapshots, end)
      const serverBeforeSystem = nearestBefore(serverSnapshots, start)
      const serverAfterSystem = firstAfter(serverSnapshots, end)
      const serverCore = coreLoad(serverBeforeSystem, serverAfterSystem, spec.serverCores)
      const clientCore = coreLoad(before, after, spec.clientCores)
      const windowSeconds = (serverAfterSystem.at - serverBeforeSystem.at) / 1000
      const judged = flood.seconds >= MIN_WINDOW_SECONDS && serverCore !== undefined && clientCore !== undefined
      return {
        repetition: spec.repetition,
        warmup: spec.warmup,
        startedAt,
        flood,
        server: usageOf(serverBefore, serverAfter),
        serverProcesses: spec.serverPids.length,
        clientProcesses: flood.processes?.length ?? 1,
        limits: { stallTimeoutSeconds: spec.options.stallTimeoutSeconds, timeoutSeconds: spec.options.timeoutSeconds },
        serverCore,
        clientCore,
        clientBound: judged ? isClientBound(serverCore.busy, clientCore.busy) : false,
        contextSwitchesPerSecond:
          windowSeconds > 0
            ? (serverAfterSystem.contextSwitches - serverBeforeSystem.contextSwitches) / windowSeconds
            : undefined,
        ...(usage === undefined ? {} : { client: usage })
      } satisfies Sample
    })
  )
