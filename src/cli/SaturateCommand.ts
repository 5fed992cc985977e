/**
 * `saturate`: holds a target at saturation and measures how it copes: echo
 * throughput, both cores' time split, context switches, server memory,
 * fairness between connections, and the delay a fresh client sees. The
 * target runs pinned to the server core; the saturating client and the
 * client-delay probe run as their own processes pinned to the client core;
 * this process samples /proc once a second.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { formatSaturationSummary } from "../report/SaturationSummary.ts"
import { decideNetwork } from "../run/NetworkChoice.ts"
import { readLimits } from "../run/Preflight.ts"
import { describePlace } from "../run/RunPlace.ts"
import {
  defaultSaturationConnections,
  defaultSaturationOptions,
  MAX_CONNECTIONS,
  saturationRunOptions,
  validateDuration,
  validateProbeOptions
} from "../run/SaturationOptions.ts"
import type { SaturationResult } from "../run/SaturationResult.ts"
import { saturateTargetOrReport } from "../run/SaturationTarget.ts"
import { pinSelf } from "../system/CpuAffinity.ts"
import { cpuCount } from "../system/Limits.ts"
import { vethPlace } from "../targets/ServerPlace.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { selectTargetsWithVersions as selectTargets } from "../targets/VersionedTargets.ts"
import { Transport } from "../transport/Transport.ts"
import { chooseClient } from "./ClientChoice.ts"
import { MeasurementFailed } from "./ExitCodes.ts"
import { networkOptions } from "./NetworkOptions.ts"
import {
  checkPinnedCores,
  defaulted,
  integerOption,
  nameListOption,
  numberOption,
  pinnedCoresOptions,
  runtimeOption,
  sizeOption
} from "./OptionValues.ts"

/** --server-processes / --client-processes: forces a side's processes (the planner's least otherwise). */
const processesOption = (side: "server" | "client", what: string) =>
  Options.optional(integerOption(`${side}-processes`, "2", { min: 1 })).pipe(
    Options.withDescription(`${what} (default: the least that holds the connections)`)
  )

const options = {
  targets: nameListOption("targets", "c-epoll,node").pipe(
    Options.withDescription("Target names, separated by commas (see `targets`)")
  ),
  connections: integerOption("connections", "1000", { min: 1 }).pipe(
    Options.withAlias("n"),
    Options.optional,
    Options.withDescription(
      `Saturating connections (default: the most one process per side holds here, up to ${MAX_CONNECTIONS}); past that, several processes per side, planned as flood plans them`
    )
  ),
  serverProcesses: processesOption("server", "Server processes sharing the port"),
  clientProcesses: processesOption("client", "Saturating client processes"),
  duration: defaulted(
    numberOption("duration", "20"),
    defaultSaturationOptions.durationSeconds,
    "Steady-state seconds after the ramp (at most 300)"
  ),
  rampTimeout: defaulted(
    numberOption("ramp-timeout", "60"),
    defaultSaturationOptions.rampTimeoutSeconds,
    "Seconds allowed for opening every connection"
  ),
  warmup: defaulted(
    numberOption("warmup", "2"),
    defaultSaturationOptions.warmupSeconds,
    "Seconds between the end of the ramp and the steady state"
  ),
  sendDuringRamp: Options.boolean("send-during-ramp").pipe(
    Options.withDescription("Each connection sends as soon as it opens (default: all start together after the ramp)")
  ),
  chunk: defaulted(
    sizeOption("chunk", "32KiB", { min: 1, max: 512 * 1024 }),
    defaultSaturationOptions.chunk,
    "Bytes each connection keeps in flight"
  ),
  probeInterval: defaulted(
    integerOption("probe-interval", "100", { min: 1 }),
    defaultSaturationOptions.probeIntervalMs,
    "Milliseconds between client-delay probes (open loop)"
  ),
  probeTimeout: defaulted(
    integerOption("probe-timeout", "5000", { min: 1 }),
    defaultSaturationOptions.probeTimeoutMs,
    "Milliseconds before a probe counts as timed out"
  ),
  client: runtimeOption("client", "node@24", ["native"]).pipe(
    Options.optional,
    Options.withDescription(
      "Saturating client: native (the C client, default when built) or our TS client on node, deno or bun, at a version after setup:runtimes (node@24); the client-delay probe runs on this runtime"
    )
  ),
  ...pinnedCoresOptions,
  ...networkOptions,
  json: Options.boolean("json").pipe(Options.withDescription("Print one JSON object per target instead of a summary"))
}

export const saturateCommand = Command.make("saturate", options, (parsed) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const limits = yield* readLimits
    const cores = yield* cpuCount
    const connections = Option.getOrElse(parsed.connections, () => defaultSaturationConnections(limits))
    if (!Number.isSafeInteger(connections) || connections <= 0) {
      return yield* new InvalidOption({
        option: "connections",
        value: connections,
        problem: "must be a whole number above 0",
        fix: "e.g. --connections 1000"
      })
    }
    yield* validateDuration(parsed.duration)
    if (!(parsed.rampTimeout > 0 && parsed.rampTimeout <= 600)) {
      return yield* new InvalidOption({
        option: "ramp-timeout",
        value: parsed.rampTimeout,
        problem: "must be above 0 and at most 600 seconds",
        fix: "e.g. --ramp-timeout 60"
      })
    }
    if (!(parsed.warmup >= 0 && parsed.warmup <= 60)) {
      return yield* new InvalidOption({
        option: "warmup",
        value: parsed.warmup,
        problem: "must be from 0 to 60 seconds",
        fix: "e.g. --warmup 2"
      })
    }
    const shared = yield* checkPinnedCores(parsed.serverCores, parsed.clientCores)
    const client = yield* chooseClient(parsed.client)
    const runOptions = saturationRunOptions(connections, client, {
      probe: transport.runtime.name,
      durationSeconds: parsed.duration,
      rampTimeoutSeconds: parsed.rampTimeout,
      warmupSeconds: parsed.warmup,
      sendDuringRamp: parsed.sendDuringRamp,
      chunk: parsed.chunk,
      window: parsed.chunk,
      probeIntervalMs: parsed.probeInterval,
      probeTimeoutMs: parsed.probeTimeout,
      serverCore: parsed.serverCores[0] ?? 0,
      clientCore: parsed.clientCores[0] ?? 1,
      ...(parsed.serverCores.length > 1 ? { serverCores: parsed.serverCores } : {}),
      ...(parsed.clientCores.length > 1 ? { clientCores: parsed.clientCores } : {}),
      ...(shared === undefined ? {} : { sharedCpus: shared }),
      ...(Option.isSome(parsed.serverProcesses) ? { serverProcesses: parsed.serverProcesses.value } : {}),
      ...(Option.isSome(parsed.clientProcesses) ? { clientProcesses: parsed.clientProcesses.value } : {}),
      onProgress: (line) => Console.error(`  ${line}`)
    })
    yield* validateProbeOptions({
      host: runOptions.host,
      port: 1,
      intervalMs: runOptions.probeIntervalMs,
      timeoutMs: runOptions.probeTimeoutMs,
      maxOutstanding: runOptions.probeMaxOutstanding,
      bytes: runOptions.probeBytes,
      deadlineSeconds: 1
    })
    const network = yield* decideNetwork(parsed.network, parsed.linkRate, parsed.linkDelay)
    const targets = yield* selectTargets(yield* discoverTargets(), parsed.targets)
    // One test host for every target, removed when the command ends, fails or is interrupted.
    const place = network.kind === "veth" ? yield* vethPlace(network.link) : undefined
    if (place !== undefined) yield* Console.error(`  ${describePlace(place)}`)
    const placed = place === undefined ? runOptions : { ...runOptions, host: place.host, place }
    // This process only samples; keep it off the server's core.
    if (cores >= 2) yield* pinSelf(parsed.clientCores.join(","))
    if (shared !== undefined)
      yield* Console.error(`server and client share CPUs ${shared}: they compete for those cores`)
    const results: Array<SaturationResult> = []
    for (const target of targets) {
      yield* Console.error(
        `saturating ${target.manifest.name}: ${connections} ${client} connections, ${parsed.duration} s steady state, probe every ${parsed.probeInterval} ms`
      )
      const result = yield* saturateTargetOrReport(target, placed)
      results.push(result)
      yield* Console.log(parsed.json ? JSON.stringify(result) : `${formatSaturationSummary(result)}\n`)
    }
    const failed = results.filter((r) => r.status === "failed")
    if (failed.length > 0) {
      return yield* new MeasurementFailed({
        summary: failed.map((r) => `${r.target}: ${r.reason ?? "failed"}`).join("\n")
      })
    }
  }).pipe(Effect.scoped)
).pipe(
  Command.withDescription("Hold a target at saturation: throughput, CPU, switches, memory, fairness, client delay")
)
