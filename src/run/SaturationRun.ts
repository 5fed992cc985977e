/**
 * One saturation run against a server, from the parent process:
 *
 *   1. the probe and the saturating client start as worker processes, both
 *      pinned to the client core (the server is on the server core);
 *   2. the client opens every connection (the ramp, reported apart);
 *   3. "start": the steady state runs for the duration while the parent
 *      samples /proc once a second and the probe measures client delay;
 *   4. "stop" to the probe (its last probes settle under load), then to the
 *      client; each reports; everything is stopped when the scope closes.
 *
 * Every wait is bounded. A server that stalls or dies, or a worker that
 * breaks, gives a result with that status and whatever was measured up to
 * then; only a failure to start (target, runtime) is an error.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  ProbeOptions,
  type ProbeReport,
  rampShortfall,
  SaturationClientOptions,
  type SaturationClientReport
} from "../engine/SaturationReports.ts"
import { type ChildExit, describeEnd, describeExit, exitFields, exitSoFar } from "../system/ChildProcess.ts"
import { listenQueueReading, overflowAdvice, overflowsBetween } from "../system/ListenQueue.ts"
import { CLOCK_TICKS, coreLoad, type ProcessSnapshot, systemSnapshot, tcpMemoryBytes } from "../system/ProcStat.ts"
import { nativeSaturationArgv } from "./NativeClient.ts"
import { sourceAddressOf } from "./ProcessPlan.ts"
import { ClientGroup, groupThroughputAt, groupWorker } from "./SaturationClients.ts"
import {
  DEADLINE_MARGIN_SECONDS,
  defaultSaturationOptions,
  type SaturationRunOptions,
  settingsOf
} from "./SaturationOptions.ts"
import type { SaturationResult, SaturationSample, SaturationStatus } from "./SaturationResult.ts"
import { Heard, longestTickGapMs, type Ramped, recentRate, throughputAt } from "./SaturationWorkers.ts"
import { sideSnapshot, sideSwitches } from "./ServerSide.ts"
import { saturationClientBound, steadySummary } from "./SteadyStats.ts"
import { type RunningWorker, startWorker, startWorkerProcess } from "./WorkerProcess.ts"
import { encodeOptions } from "./WorkerProtocol.ts"

/** What the run needs to know of the server under load (a RunningServer fits). */
export interface ServerUnderLoad {
  readonly pid: number
  /** Every process of the server side when it runs as several on one port (a RunningServer's); [pid] when absent. */
  readonly pids?: ReadonlyArray<number>
  readonly port: number
  readonly exit: Deferred.Deferred<ChildExit>
  readonly stderrTail: () => string
}

/** Time a worker gets to load its runtime and print its first line (a loaded core slows it). */
const WORKER_START_SECONDS = 60
/** Time the client gets to close its connections and report. */
const CLIENT_REPORT_SECONDS = 30

const mb = (n: number) => n.toFixed(0)
const pct = (share: number | undefined) => (share === undefined ? "–" : `${(share * 100).toFixed(0)}%`)

/**
 * Saturates a running server and reports. The workers live in this
 * effect's own scope; the server belongs to the caller.
 */
export const saturateServer = (targetName: string, server: ServerUnderLoad, options: SaturationRunOptions) =>
  Effect.gen(function* () {
    const startedAt = new Date().toISOString()
    const progress = options.onProgress ?? (() => Effect.void)
    const heard = new Heard(
      yield* Deferred.make<Ramped>(),
      yield* Deferred.make<void>(),
      yield* Deferred.make<SaturationClientReport>(),
      yield* Deferred.make<ProbeReport>(),
      yield* Deferred.make<string>(),
      yield* Deferred.make<string>()
    )
    const deadlineSeconds =
      WORKER_START_SECONDS + options.rampTimeoutSeconds + options.durationSeconds + DEADLINE_MARGIN_SECONDS
    const clientCpus = (options.clientCores ?? [options.clientCore]).join(",")
    const queueBefore = yield* listenQueueReading(server.pid)
    const probe = yield* startWorker(
      `${options.probe} client-delay probe`,
      options.probe,
      [
        "probe",
        encodeOptions(ProbeOptions)({
          host: options.host,
          port: server.port,
          intervalMs: options.probeIntervalMs,
          timeoutMs: options.probeTimeoutMs,
          maxOutstanding: options.probeMaxOutstanding,
          bytes: options.probeBytes,
          deadlineSeconds
        })
      ],
      clientCpus,
      heard.onProbe
    )
    const clientOptions: SaturationClientOptions = {
      host: options.host,
      port: server.port,
      connections: options.connections,
      chunk: options.chunk,
      window: options.window,
      connectConcurrency: defaultSaturationOptions.connectConcurrency,
      connectTimeoutSeconds: defaultSaturationOptions.connectTimeoutSeconds,
      rampTimeoutSeconds: options.rampTimeoutSeconds,
      starvedAfterSeconds: defaultSaturationOptions.starvedAfterSeconds,
      deadlineSeconds,
      noDelay: defaultSaturationOptions.noDelay,
      sendDuringRamp: options.sendDuringRamp
    }
    // One client process, or the plan's several: each ramps, then all get "start" together.
    const plan = options.processPlan
    const shares = plan?.clientConnections ?? [options.connections]
    const group = new ClientGroup(shares.length, heard.onClient)
    const clients = yield* Effect.forEach(shares, (connections, index) => {
      const own = { ...clientOptions, connections }
      const listen = shares.length > 1 ? group.onClient(index) : heard.onClient
      const suffix = shares.length > 1 ? ` ${index + 1} of ${shares.length}` : ""
      const source = plan === undefined ? undefined : sourceAddressOf(plan, index)
      return options.client === "native"
        ? startWorkerProcess(
            `native saturating client${suffix}`,
            [...nativeSaturationArgv(own), ...(source === undefined ? [] : ["--source-address", source])],
            clientCpus,
            listen
          )
        : startWorker(
            `${options.client} saturating client${suffix}`,
            options.client,
            ["client", encodeOptions(SaturationClientOptions)(own)],
            clientCpus,
            listen
          )
    })
    const client = yield* groupWorker(clients)
    const serverPids = server.pids ?? [server.pid]

    let probeProblem: SaturationResult["probeProblem"]
    // Mutated through `fail` only: the first problem found names the status.
    const outcome: { status: SaturationStatus; reason: string | undefined } = { status: "ok", reason: undefined }
    const fail = (next: SaturationStatus, why: string) => {
      if (outcome.status === "ok") {
        outcome.status = next
        outcome.reason = why
      }
    }
    const workerEnd = (worker: RunningWorker) =>
      Effect.map(exitSoFar(worker.exit), (exit) => describeEnd(worker.name, worker.pid, exit, worker.stderrTail()))
    const serverGone = Deferred.await(server.exit).pipe(Effect.delay("100 millis"))
    const clientGone = Effect.raceFirst(
      Deferred.await(client.exit).pipe(
        Effect.delay("200 millis"),
        Effect.map((exit) => describeEnd(client.name, client.pid, Option.some(exit), client.stderrTail()))
      ),
      Deferred.await(heard.clientFailed).pipe(Effect.map((message) => `the saturating client failed: ${message}`))
    )

    // Ramp: every connection opened (or the client's ramp timeout).
    type RampOutcome =
      | { readonly _tag: "ramped"; readonly ramp: Ramped }
      | { readonly _tag: "server"; readonly exit: ChildExit }
      | { readonly _tag: "client"; readonly why: string }
      | { readonly _tag: "timeout" }
    const rampOutcome: RampOutcome = yield* Effect.raceAll([
      Deferred.await(heard.ramped).pipe(Effect.map((ramp) => ({ _tag: "ramped", ramp }) as const)),
      serverGone.pipe(Effect.map((exit) => ({ _tag: "server", exit }) as const)),
      clientGone.pipe(Effect.map((why) => ({ _tag: "client", why }) as const)),
      Effect.succeed({ _tag: "timeout" } as const).pipe(
        Effect.delay(`${WORKER_START_SECONDS + options.rampTimeoutSeconds} seconds`)
      )
    ])
    let ramp: Ramped | undefined
    switch (rampOutcome._tag) {
      case "ramped":
        ramp = rampOutcome.ramp
        yield* progress(
          `ramp: ${ramp.connected} of ${options.connections} connections open in ${ramp.seconds.toFixed(1)} s${
            ramp.failed > 0 ? `, ${ramp.failed} failed` : ""
          }${ramp.complete ? "" : `, ${rampShortfall(ramp)} at the ${options.rampTimeoutSeconds} s ramp timeout`}`
        )
        if (ramp.connected === 0) fail("failed", `no connection could be opened (${ramp.failed} failed)`)
        break
      case "server":
        fail("server-exited", `the server ${describeExit(rampOutcome.exit)} while connections were opening`)
        break
      case "client":
        fail("failed", rampOutcome.why)
        break
      case "timeout":
        fail(
          "failed",
          `the saturating client reported no end of its ramp within ${WORKER_START_SECONDS + options.rampTimeoutSeconds} s`
        )
        break
    }

    // The probe loaded while the client ramped; give it what is left of its start-up time.
    let probeRunning = false
    if (outcome.status === "ok") {
      const ready = yield* Effect.raceFirst(
        Deferred.await(heard.probeReady).pipe(Effect.as(true)),
        Effect.raceFirst(
          Deferred.await(probe.exit).pipe(Effect.as(false)),
          Deferred.await(heard.probeFailed).pipe(Effect.as(false))
        )
      ).pipe(
        Effect.timeoutTo({ duration: `${WORKER_START_SECONDS} seconds`, onSuccess: (ok) => ok, onTimeout: () => false })
      )
      if (ready) probeRunning = true
      else probeProblem = { stage: "start", message: heard.probeFailure ?? (yield* workerEnd(probe)) }
    }

    // Warm-up: every connection is sending now; let the first burst pass.
    if (outcome.status === "ok" && options.warmupSeconds > 0) {
      yield* progress(`warm-up ${options.warmupSeconds} s`)
      yield* Effect.sleep(`${Math.round(options.warmupSeconds * 1000)} millis`)
    }

    // Steady state: sample /proc once a second. Throughput comes from the
    // client's ticks afterwards (see throughputAt): a client busy with
    // thousands of sockets sends them late, never wrong.
    const raw: Array<{ readonly at: number; readonly sample: SaturationSample }> = []
    let steadySeconds = 0
    let startedWall = 0
    let serverPeakRssBytes: number | undefined
    let serverThreads = 0
    if (outcome.status === "ok") {
      if (heard.lastTick !== undefined) heard.ticks.push(heard.lastTick)
      heard.keepTicks = true
      group.startSeries()
      yield* client.send("start")
      if (probeRunning) yield* probe.send("start")
      const t0 = performance.now()
      startedWall = Date.now()
      let sys = yield* systemSnapshot.pipe(Effect.option)
      let proc: Option.Option<ProcessSnapshot> = yield* sideSnapshot(serverPids)
      let switches = yield* sideSwitches(serverPids)
      for (let second = 1; second <= options.durationSeconds; second++) {
        const wait = t0 + second * 1000 - performance.now()
        if (wait > 0) yield* Effect.sleep(`${Math.round(wait)} millis`)
        const nextSys = yield* systemSnapshot.pipe(Effect.option)
        const nextProc = yield* sideSnapshot(serverPids)
        const nextSwitches = yield* sideSwitches(serverPids)
        const tcp = yield* tcpMemoryBytes
        const at = Date.now()
        const elapsed = (performance.now() - t0) / 1000
        const both = Option.isSome(sys) && Option.isSome(nextSys) ? { a: sys.value, b: nextSys.value } : undefined
        const dtSys = both === undefined ? 0 : (both.b.at - both.a.at) / 1000
        const serverCore =
          both === undefined ? undefined : coreLoad(both.a, both.b, options.serverCores ?? options.serverCore)
        const clientCore =
          both === undefined ? undefined : coreLoad(both.a, both.b, options.clientCores ?? options.clientCore)
        const sample: SaturationSample = {
          second: Math.round(elapsed * 1000) / 1000,
          // Recomputed once every tick is in (they come late from a busy client).
          mbPerSecond: 0,
          connectionsOpen: heard.lastTick?.open ?? 0,
          serverCore,
          clientCore,
          contextSwitchesPerSecond:
            both !== undefined && dtSys > 0 ? (both.b.contextSwitches - both.a.contextSwitches) / dtSys : 0,
          serverContextSwitchesPerSecond:
            Option.isSome(switches) &&
            Option.isSome(nextSwitches) &&
            Option.isSome(switches.value.switches) &&
            Option.isSome(nextSwitches.value.switches) &&
            dtSys > 0
              ? (nextSwitches.value.switches.value - switches.value.switches.value) / dtSys
              : undefined,
          serverProcessCpu:
            Option.isSome(proc) && Option.isSome(nextProc) && dtSys > 0
              ? (nextProc.value.userTicks +
                  nextProc.value.systemTicks -
                  proc.value.userTicks -
                  proc.value.systemTicks) /
                CLOCK_TICKS /
                dtSys
              : undefined,
          serverRssBytes: Option.isSome(nextProc) ? nextProc.value.rssBytes : undefined,
          tcpMemoryBytes: tcp,
          ...(serverCore !== undefined && clientCore !== undefined
            ? { clientBound: saturationClientBound(serverCore.busy, clientCore.busy) }
            : {})
        }
        raw.push({ at, sample })
        steadySeconds = elapsed
        if (Option.isSome(nextProc)) serverPeakRssBytes = nextProc.value.peakRssBytes
        sys = nextSys
        proc = nextProc
        switches = nextSwitches
        if (Option.isSome(nextSwitches)) serverThreads = nextSwitches.value.threads
        if (second % 5 === 0 || second === options.durationSeconds) {
          yield* progress(
            `steady ${second}/${options.durationSeconds} s: about ${mb(recentRate(heard.ticks))} MB/s, server core ${pct(sample.serverCore?.busy)} busy, client core ${pct(sample.clientCore?.busy)}, ${sample.connectionsOpen} connections open`
          )
        }
        if (Option.isSome(yield* exitSoFar(server.exit)) || Option.isNone(nextProc)) {
          // Gone from /proc a moment before its exit is registered: wait for it.
          const exit = yield* Deferred.await(server.exit).pipe(Effect.timeout("1 second"), Effect.option)
          const how = Option.isSome(exit) ? describeExit(exit.value) : "vanished"
          fail("server-exited", `the server ${how} ${elapsed.toFixed(1)} s into the steady state`)
          break
        }
        if (Option.isSome(yield* exitSoFar(client.exit)) || heard.clientFailure !== undefined) {
          fail(
            "failed",
            heard.clientFailure ?? `${yield* workerEnd(client)} (${elapsed.toFixed(1)} s into the steady state)`
          )
          break
        }
      }
    }

    // Stop the probe first, so its last probes settle while the server is still loaded.
    let probeReport: ProbeReport | undefined
    if (probeRunning) {
      yield* probe.send("stop")
      probeReport = yield* Deferred.await(heard.probeReport).pipe(
        Effect.timeout(`${Math.ceil(options.probeTimeoutMs / 1000) + 15} seconds`),
        Effect.option,
        Effect.map(Option.getOrUndefined)
      )
      if (probeReport === undefined) {
        probeProblem = { stage: "report", message: heard.probeFailure ?? (yield* workerEnd(probe)) }
      }
    }
    yield* client.send("stop")
    const clientReport = yield* Deferred.await(heard.clientReport).pipe(
      Effect.timeout(`${CLIENT_REPORT_SECONDS} seconds`),
      Effect.option,
      Effect.map(Option.getOrUndefined)
    )
    if (clientReport === undefined && outcome.status === "ok") {
      fail("failed", `the saturating client did not report: ${heard.clientFailure ?? (yield* workerEnd(client))}`)
    }

    // Every tick is in now (the client sends a last one when stopped): exact per-second throughput.
    heard.keepTicks = false
    group.keepTicks = false
    const samples = raw.map(({ at, sample }, i) => {
      const from = i === 0 ? startedWall : raw[i - 1]!.at
      return {
        ...sample,
        mbPerSecond: shares.length > 1 ? groupThroughputAt(group.series, from, at) : throughputAt(heard.ticks, from, at)
      }
    })
    const steady = steadySummary(samples, steadySeconds, serverPeakRssBytes)
    if (outcome.status === "ok" && samples.length > 0) {
      const stallSeconds = Math.min(3, samples.length)
      if (steady.longestZeroRunSeconds >= stallSeconds) {
        const first = samples.findIndex((s) => s.mbPerSecond === 0)
        fail(
          "stalled",
          `no byte was echoed for ${steady.longestZeroRunSeconds} s on end (first silent second: ${first + 1})`
        )
      }
    }
    const listenOverflows = overflowsBetween(queueBefore, yield* listenQueueReading(server.pid))
    const result: SaturationResult = {
      target: targetName,
      status: outcome.status,
      reason: outcome.reason === undefined ? undefined : `${outcome.reason}${overflowAdvice(listenOverflows)}`,
      ...(listenOverflows === undefined ? {} : { listenOverflows }),
      startedAt,
      settings: settingsOf(options),
      server: Option.match(yield* exitSoFar(server.exit), {
        onNone: () => ({ pid: server.pid }),
        onSome: (exit) => ({ pid: server.pid, ...exitFields(exit), stderrTail: server.stderrTail() })
      }),
      ...(serverPids.length > 1 || shares.length > 1
        ? {
            processes: {
              server: serverPids.length,
              serverPids,
              client: shares.length,
              clientConnections: shares,
              ...(plan !== undefined && plan.sourceAddresses > 1
                ? { sourceAddresses: shares.map((_, i) => sourceAddressOf(plan, i)!) }
                : {})
            }
          }
        : {}),
      steady,
      samples,
      client: clientReport,
      probe: probeReport,
      probeProblem,
      serverThreads: serverThreads > 0 ? serverThreads : undefined,
      clientTickGapMs: heard.ticks.length > 1 ? longestTickGapMs(heard.ticks) : undefined
    }
    return result
  }).pipe(Effect.scoped)
