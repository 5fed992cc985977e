/**
 * Measures one sample: runs the flood client as its own pinned process
 * against a running server and reads, over exactly the flood's window, the
 * busy share of the server's and the client's cores, the server's CPU time,
 * context switches and peak memory.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import type { FloodOptions } from "../engine/FloodOptions.ts"
import { FloodReport } from "../engine/FloodResult.ts"
import { describeExit, runToCompletion } from "../system/ChildProcess.ts"
import {
  coreLoad,
  processSnapshot,
  resetPeakRss,
  type SystemSnapshot,
  serverUsage,
  systemSnapshot
} from "../system/ProcStat.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { nativeClientPath, nativeFloodArgs } from "./NativeClient.ts"
import type { Sample } from "./RunFile.ts"

/** The C client, or our TS client on a runtime (at a version: "node@24"). */
export type ClientKind = RuntimeSpec | "native"

/** @category errors */
export class ClientFailed extends Data.TaggedError("ClientFailed")<{ readonly reason: string }> {
  override get message() {
    return `flood client failed: ${this.reason}`
  }
}

/** What a client may take beyond its own --timeout: loading its runtime on a busy core, closing, reporting. */
export const CLIENT_START_SECONDS = 30

/** The longest the runner waits on one flood client: its own timeout plus start and report time. */
export const clientBoundSeconds = (options: FloodOptions) =>
  options.timeoutSeconds + options.stallTimeoutSeconds + CLIENT_START_SECONDS

/** Below this the core shares are mostly sampling padding, so no client-bound verdict is given. */
const MIN_WINDOW_SECONDS = 0.1
const SAMPLE_EVERY = "25 millis"

export const clientArgv = (client: ClientKind, options: FloodOptions) =>
  client === "native"
    ? Effect.succeed([nativeClientPath, ...nativeFloodArgs(options)])
    : entryArgv(client, ["flood", ...nativeFloodArgs(options)])

/** The client core is busier than the server core and above 90%: the client set the pace. */
export const isClientBound = (serverBusy: number, clientBusy: number) => clientBusy > 0.9 && clientBusy > serverBusy

const decodeReport = Schema.decodeUnknown(Schema.parseJson(FloodReport))

export interface SampleSpec {
  readonly client: ClientKind
  readonly options: FloodOptions
  readonly serverPid: number
  readonly serverCore: number
  readonly clientCore: number
  readonly repetition: number
  readonly warmup: boolean
}

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
      const argv = yield* clientArgv(spec.client, spec.options)
      const snapshots: Array<SystemSnapshot> = [yield* systemSnapshot]
      const sampler = yield* systemSnapshot.pipe(
        Effect.tap((s) => Effect.sync(() => snapshots.push(s))),
        Effect.zipRight(Effect.sleep(SAMPLE_EVERY)),
        Effect.forever,
        Effect.fork
      )
      yield* resetPeakRss(spec.serverPid)
      const serverBefore = yield* processSnapshot(spec.serverPid)
      const startedAt = new Date().toISOString()
      let reportAt = 0
      const boundSeconds = clientBoundSeconds(spec.options)
      const ran = yield* runToCompletion(
        {
          name: `${spec.client} flood client`,
          argv,
          cpus: String(spec.clientCore),
          env: { DENO_NO_UPDATE_CHECK: "1" },
          // The report is the client's last act before exiting: its arrival marks the flood's end.
          onStdout: (line) => {
            if (reportAt === 0 && line.startsWith("{")) reportAt = performance.now()
            return true
          }
        },
        boundSeconds,
        `its --timeout ${spec.options.timeoutSeconds} s + ${CLIENT_START_SECONDS} s to start and report`
      ).pipe(Effect.mapError((e) => new ClientFailed({ reason: e.message })))
      const stdout = ran.stdout
      const stderr = ran.output
      const serverAfter = yield* processSnapshot(spec.serverPid)
      snapshots.push(yield* systemSnapshot)
      yield* Fiber.interrupt(sampler)
      const flood = yield* decodeReport(stdout.trim()).pipe(
        Effect.mapError(
          () =>
            new ClientFailed({
              reason: `it ${describeExit(ran.exit)} without a report: ${(stderr.trim() || stdout.trim()).slice(-600)}`
            })
        )
      )
      const end = reportAt > 0 ? reportAt : snapshots[snapshots.length - 1]!.at
      const start = end - flood.seconds * 1000
      const before = nearestBefore(snapshots, start)
      const after = firstAfter(snapshots, end)
      const serverCore = coreLoad(before, after, spec.serverCore)
      const clientCore = coreLoad(before, after, spec.clientCore)
      const windowSeconds = (after.at - before.at) / 1000
      const judged = flood.seconds >= MIN_WINDOW_SECONDS && serverCore !== undefined && clientCore !== undefined
      return {
        repetition: spec.repetition,
        warmup: spec.warmup,
        startedAt,
        flood,
        server:
          serverBefore._tag === "Some" && serverAfter._tag === "Some"
            ? serverUsage(serverBefore.value, serverAfter.value)
            : undefined,
        serverCore,
        clientCore,
        clientBound: judged ? isClientBound(serverCore.busy, clientCore.busy) : false,
        contextSwitchesPerSecond:
          windowSeconds > 0 ? (after.contextSwitches - before.contextSwitches) / windowSeconds : undefined
      } satisfies Sample
    })
  )
