/**
 * `flood` beyond what one process holds (the open-files hard limit, or the
 * ports of one source address): the flood runs as several client processes
 * whose results merge into one, and the server that flood starts itself runs
 * as several processes sharing its port. The plan is said before the first
 * connect, so a reader knows what ran.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type FloodOptions, InvalidOption } from "../engine/FloodOptions.ts"
import { cpuCount, FD_RESERVE } from "../system/Limits.ts"
import { countingOverflows, isLoopbackHost } from "../system/ListenQueue.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { selectTargetsWithVersions as selectTargets } from "../targets/VersionedTargets.ts"
import { type ClientKind, runClients } from "./ClientProcesses.ts"
import { type Limits, portCount, readLimits } from "./Preflight.ts"
import { type PlanInput, type PlanVerdict, type ProcessPlan, planProcesses, serverSideOf } from "./ProcessPlan.ts"

/** The plan for `connections`, or undefined when one process per side holds them (flood runs as always). */
export const splitVerdict = (
  limits: Limits,
  connections: number,
  server: Pick<PlanInput, "serverMode" | "filesPerConnection" | "serverProcesses" | "clientProcesses">
): PlanVerdict | undefined => {
  const verdict = planProcesses({
    connections,
    openFilesHard: limits.openFilesHard,
    ports: portCount(limits),
    ...server
  })
  return verdict._tag === "Planned" &&
    verdict.plan.serverProcesses === 1 &&
    verdict.plan.clientProcesses === 1 &&
    verdict.plan.sourceAddresses === 1
    ? undefined
    : verdict
}

export interface SplitRequest {
  readonly connections: number
  /** The runtime of the server flood starts itself (its target of that name), or none for a server at --port. */
  readonly serverRuntime: Option.Option<string>
  /** Options given that a split flood cannot honour, as the user wrote them. */
  readonly excluded: ReadonlyArray<string>
}

/** The split plan when one process per side cannot hold the connections, or undefined when they fit. */
export const decideSplit = (request: SplitRequest) =>
  Effect.gen(function* () {
    const limits = yield* readLimits
    if (splitVerdict(limits, request.connections, { serverMode: "reuseport" }) === undefined) return undefined
    const serverTarget = Option.isSome(request.serverRuntime)
      ? (yield* selectTargets(yield* discoverTargets(), [request.serverRuntime.value]))[0]
      : undefined
    const verdict = splitVerdict(
      limits,
      request.connections,
      serverTarget === undefined ? { serverMode: "reuseport" } : serverSideOf(serverTarget.manifest)
    )
    if (verdict === undefined) return undefined
    if (verdict._tag === "Impossible") {
      return yield* new InvalidOption({
        option: "connections",
        value: request.connections,
        problem: verdict.reason,
        fix: "Flood a server that can share its port (e.g. `serve --reuseport`, or `compare --targets c-epoll`) at --port, or fewer connections."
      })
    }
    if (request.excluded.length > 0) {
      return yield* new InvalidOption({
        option: "connections",
        value: request.connections,
        problem: `needs several flood processes here, which flood plans itself on loopback, and ${request.excluded.join(", ")} asks otherwise`,
        fix: `Drop ${request.excluded.join(", ")}, or flood at most ${limits.openFilesHard - FD_RESERVE} connections per process.`
      })
    }
    return { plan: verdict.plan, limits, serverTarget }
  })

/**
 * Addresses bound explicitly keep their ports in TIME_WAIT for 60 s, and the
 * native client's IP_BIND_ADDRESS_NO_PORT connects skip every port an
 * explicit bind holds. Each second starts on its own block of addresses
 * (127.0.0.2 on, 120 blocks), so a flood started within two minutes of
 * another never meets its TIME_WAIT ports.
 */
export const freshSourceAddresses = (plan: ProcessPlan, nowMs: number): ProcessPlan => {
  if (plan.sourceAddresses <= 1) return plan
  const blocks = Math.max(1, Math.floor(240 / plan.sourceAddresses))
  const block = Math.floor(nowMs / 1000) % Math.min(120, blocks)
  return { ...plan, firstSourceAddress: 2 + block * plan.sourceAddresses }
}

/** One line: what runs where, and why. */
export const describePlan = (
  plan: ProcessPlan,
  connections: number,
  limits: Limits,
  ownServer: boolean,
  /** The processes were asked for (--server-processes, --client-processes), not needed. */
  forced = false
) => {
  const first = plan.firstSourceAddress ?? 1
  const sources =
    plan.sourceAddresses > 1
      ? ` over source addresses 127.0.0.${first}–127.0.0.${first + plan.sourceAddresses - 1} (${portCount(limits)} local ports each)`
      : ""
  const server = ownServer ? `${plan.serverProcesses} server processes sharing one port, ` : ""
  const why = forced
    ? `${connections} connections, processes as asked`
    : `${connections} connections exceed one process here (open-files hard limit ${limits.openFilesHard})`
  return `${why}: ${server}${plan.clientProcesses} client processes of ${plan.clientConnections.join(" + ")} connections${sources}; their results merge into one`
}

/**
 * A split flood needs more time than one process: tens of thousands of
 * connects queue behind somaxconn, and several JS clients share one core.
 */
export const splitFloodOptions = (options: FloodOptions): FloodOptions => ({
  ...options,
  timeoutSeconds: Math.max(options.timeoutSeconds, 300),
  stallTimeoutSeconds: Math.max(options.stallTimeoutSeconds, 60),
  connectTimeoutSeconds: Math.max(options.connectTimeoutSeconds, 60)
})

/** What a split flood needs from flood's options. */
export interface SplitFloodRequest extends SplitRequest {
  readonly host: string
  readonly json: boolean
  readonly client: ClientKind
  readonly port: Option.Option<number>
}

/** flood's parsed options as a split request ("ts": this runtime's client, as child processes). */
export const splitRequest = (
  given: {
    readonly connections: number
    readonly host: string
    readonly json: boolean
    readonly client: ClientKind | "ts"
    readonly port: Option.Option<number>
    readonly server: Option.Option<string>
    readonly workers: Option.Option<number>
    readonly sourceAddress: Option.Option<string>
  },
  network: string,
  runtime: RuntimeSpec
): SplitFloodRequest => ({
  connections: given.connections,
  host: given.host,
  json: given.json,
  client: given.client === "ts" ? runtime : given.client,
  port: given.port,
  // A server at --port is the user's: however it holds the connections, only the client side is planned.
  serverRuntime: Option.isNone(given.port) ? Option.some(Option.getOrElse(given.server, () => runtime)) : Option.none(),
  excluded: [
    ...(Option.isSome(given.workers) ? ["--workers"] : []),
    ...(Option.isSome(given.sourceAddress) ? ["--source-address"] : []),
    ...(network === "loopback" ? [] : [`--network ${network}`])
  ]
})

/**
 * The flood when one process per side cannot hold its connections: the
 * plan's client processes, merged, against the plan's server processes (the
 * target of the server's runtime, sharing one port, on core 0) or the server
 * at --port. Undefined when one process per side holds them.
 */
export const floodBeyondOneProcess = <E, R>(
  request: SplitFloodRequest,
  floodOptions: (port: number) => Effect.Effect<FloodOptions, E, R>
) =>
  Effect.gen(function* () {
    const split = yield* decideSplit(request)
    if (split === undefined) return undefined
    const cores = yield* cpuCount
    const plan = freshSourceAddresses(split.plan, Date.now())
    const say = (line: string) => (request.json ? Effect.void : Console.error(line))
    yield* say(describePlan(plan, request.connections, split.limits, split.serverTarget !== undefined))
    const target = split.serverTarget
    const server =
      target === undefined
        ? undefined
        : yield* launchTarget(target, {
            host: request.host,
            processes: plan.serverProcesses,
            ...(cores >= 2 ? { cpus: "0" } : {})
          })
    const port = server?.port ?? Option.getOrElse(request.port, () => 0)
    if (server !== undefined) {
      yield* say(
        `started ${target!.manifest.name} as ${server.pids.length} processes (pids ${server.pids.join(", ")}) on ${request.host}:${port}`
      )
    }
    const options = splitFloodOptions(yield* floodOptions(port))
    const counted = yield* countingOverflows(
      runClients(request.client, options, plan, cores >= 2 ? "1" : undefined),
      server?.pids[0] ?? "self"
    )
    const flood = counted.result.flood
    // The kernel's counters say something of the server only when it is on this machine.
    const local = server !== undefined || isLoopbackHost(request.host)
    return {
      result:
        local && counted.listenOverflows !== undefined ? { ...flood, listenOverflows: counted.listenOverflows } : flood,
      label:
        server === undefined
          ? `${request.host}:${port}`
          : `${target!.manifest.name} echo server (${server.pids.length} processes)`
    }
  }).pipe(Effect.scoped)
