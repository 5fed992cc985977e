/**
 * Runs the flood client as one process, or as several when one process
 * cannot hold the connections (open-files limit) or one source address has
 * too few ports, and merges their results into one flood result.
 *
 * Several native clients start their payload together: each opens all its
 * connections, prints "connected" and waits on stdin (`--release-on-stdin`);
 * once every process has said so, each gets a byte on stdin at once. The TS
 * clients have no such barrier: they start when their processes do, so their
 * connection phases overlap the others' bulk.
 */
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { FloodOptions } from "../engine/FloodOptions.ts"
import { FloodReport } from "../engine/FloodResult.ts"
import { type ChildExit, describeExit, runToCompletion } from "../system/ChildProcess.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { mergeFloods } from "./FloodMerge.ts"
import { nativeClientPath, nativeFloodArgs } from "./NativeClient.ts"
import { type ProcessPlan, sourceAddressOf } from "./ProcessPlan.ts"
import type { ClientUsage } from "./RunFile.ts"

/** The C client, or our TS client on a runtime (at a version: "node@24"). */
export type ClientKind = RuntimeSpec | "native"

/** A client process that died without its report: which one, how it ended, its last lines. */
export interface ClientCrash {
  readonly process: string
  readonly pid: number
  readonly exit: ChildExit
  readonly output: string
}

/** @category errors */
export class ClientFailed extends Data.TaggedError("ClientFailed")<{
  readonly reason: string
  /** Set when a client process crashed (a signal, or an exit code other than 0 and 1). */
  readonly crash?: ClientCrash
}> {
  override get message() {
    return `flood client failed: ${this.reason}`
  }
}

/** What a client may take beyond its own --timeout: loading its runtime on a busy core, closing, reporting. */
export const CLIENT_START_SECONDS = 30

/** The longest the runner waits on one flood client: its own timeout plus start and report time. */
export const clientBoundSeconds = (options: FloodOptions) =>
  options.timeoutSeconds + options.stallTimeoutSeconds + CLIENT_START_SECONDS

export const clientArgv = (client: ClientKind, options: FloodOptions, extra: ReadonlyArray<string> = []) =>
  client === "native"
    ? Effect.succeed([nativeClientPath, ...nativeFloodArgs(options), ...extra])
    : entryArgv(client, ["flood", ...nativeFloodArgs(options), ...extra])

const decodeReport = Schema.decodeUnknown(Schema.parseJson(FloodReport))

const TIME_TAG = "echoflood-client-time"

/** The process's usage from /usr/bin/time's line in its output, if it is there. */
const timedUsage = (output: string): ClientUsage | undefined => {
  const timing = new RegExp(`${TIME_TAG} (\\S+) (\\S+) (\\d+)`).exec(output)
  return timing === null
    ? undefined
    : { cpuUserSeconds: Number(timing[1]), cpuSystemSeconds: Number(timing[2]), peakRssBytes: Number(timing[3]) * 1024 }
}

/** Every client process's CPU summed; the largest peak RSS. */
const sumClientUsage = (usages: ReadonlyArray<ClientUsage | undefined>): ClientUsage | undefined =>
  usages.some((u) => u === undefined)
    ? undefined
    : usages.reduce<ClientUsage | undefined>(
        (a, u) =>
          a === undefined
            ? u
            : {
                cpuUserSeconds: a.cpuUserSeconds + u!.cpuUserSeconds,
                cpuSystemSeconds: a.cpuSystemSeconds + u!.cpuSystemSeconds,
                peakRssBytes: Math.max(a.peakRssBytes, u!.peakRssBytes)
              },
        undefined
      )

export interface ClientRun {
  /** With `timed`: the client processes from /usr/bin/time (start-up included). */
  readonly usage: ClientUsage | undefined
  readonly flood: FloodReport
  /** performance.now() when the last process printed its report: the flood's end. */
  readonly reportAt: number
}

/** One process per plan entry; a single process runs exactly as before (no barrier, no binding). */
export const runClients = (
  client: ClientKind,
  options: FloodOptions,
  plan: ProcessPlan,
  clientCpus: string | undefined,
  /** Run each process under /usr/bin/time (the caller checked it exists). */
  timed = false
) =>
  Effect.gen(function* () {
    const count = plan.clientProcesses
    const barrier = count > 1 && client === "native"
    const released = yield* Deferred.make<void>()
    let connected = 0
    let reportAt = 0
    const boundSeconds = clientBoundSeconds(options)
    const runs = yield* Effect.forEach(
      plan.clientConnections,
      (connections, index) =>
        Effect.gen(function* () {
          const sourceAddress = sourceAddressOf(plan, index)
          const argv = [
            ...(timed ? ["/usr/bin/time", "-f", `${TIME_TAG} %U %S %M`] : []),
            ...(yield* clientArgv(
              client,
              { ...options, connections, sourceAddress },
              barrier ? ["--release-on-stdin"] : []
            ))
          ]
          const name = count > 1 ? `${client} flood client ${index + 1} of ${count}` : `${client} flood client`
          const ran = yield* runToCompletion(
            {
              name,
              argv,
              cpus: clientCpus,
              env: { DENO_NO_UPDATE_CHECK: "1" },
              ...(barrier
                ? { stdin: Stream.fromEffect(Deferred.await(released).pipe(Effect.as(new Uint8Array([10])))) }
                : {}),
              onStdout: (line) => {
                if (line === "connected") {
                  if (++connected === count) Deferred.unsafeDone(released, Effect.void)
                } else if (line.startsWith("{")) {
                  // The report is the client's last act before exiting: its arrival marks that process's end.
                  reportAt = Math.max(reportAt, performance.now())
                }
                return true
              }
            },
            boundSeconds,
            `its --timeout ${options.timeoutSeconds} s + ${CLIENT_START_SECONDS} s to start and report`
          ).pipe(Effect.mapError((e) => new ClientFailed({ reason: e.message })))
          const json = ran.stdout.split("\n").find((line) => line.startsWith("{")) ?? ran.stdout.trim()
          // Exit 1 is a flood with failed connections, still with a report: anything else ending it is a crash.
          const crashed = ran.exit.signal !== undefined || (ran.exit.code !== 0 && ran.exit.code !== 1)
          const report = yield* decodeReport(json).pipe(
            Effect.mapError(
              () =>
                new ClientFailed({
                  reason: `${name} (pid ${ran.pid}) ${describeExit(ran.exit)} without a report: ${(ran.output.trim() || ran.stdout.trim()).slice(-600)}`,
                  ...(crashed ? { crash: { process: name, pid: ran.pid, exit: ran.exit, output: ran.output } } : {})
                })
            )
          )
          return { report, sourceAddress, usage: timed ? timedUsage(ran.output) : undefined }
        }),
      { concurrency: "unbounded" }
    )
    const flood = yield* mergeFloods(runs).pipe(Effect.mapError((e) => new ClientFailed({ reason: e.message })))
    // Buckets are only needed to merge; run.json keeps the percentiles.
    const { latencyBuckets: _buckets, ...kept } = flood
    return { flood: kept, reportAt, usage: sumClientUsage(runs.map((r) => r.usage)) } satisfies ClientRun
  })
