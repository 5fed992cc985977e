/**
 * How many processes each side needs for a connection count. One process
 * holds at most its open-files hard limit of sockets, so past it the server
 * runs as K processes sharing its port and the client as several processes;
 * one source address gives at most the local port range of connections to
 * one server address, so past it the clients bind to 127.0.0.2, .3, ….
 * Pure: the limits come in as numbers.
 */
import { FD_RESERVE } from "../system/Limits.ts"
import type { TargetManifest } from "../targets/TargetManifest.ts"

/** How a target runs as several processes on one port (`processes.mode` in target.json), or "single". */
export type ServerMode = "reuseport" | "cluster" | "single"

export const serverModeOf = (manifest: TargetManifest): ServerMode => manifest.processes?.mode ?? "single"

/** What the plan needs to know of a target: how it shares its port and the files each connection holds there. */
export const serverSideOf = (manifest: TargetManifest) => ({
  serverMode: serverModeOf(manifest),
  ...(manifest.filesPerConnection === undefined ? {} : { filesPerConnection: manifest.filesPerConnection })
})

export interface PlanInput {
  readonly connections: number
  readonly openFilesHard: number
  /** Ports in net.ipv4.ip_local_port_range. */
  readonly ports: number
  readonly serverMode: ServerMode
  /** Open files a server process holds per connection (1 unless its manifest says otherwise). */
  readonly filesPerConnection?: number
  /** --server-processes: forces K (otherwise the least that fits). */
  readonly serverProcesses?: number
  /** Forces at least this many client processes (otherwise the least that fits); for tests at small scale. */
  readonly clientProcesses?: number
  /** Loopback source addresses the client may bind to (127.0.0.1 … 127.0.0.N). */
  readonly maxSourceAddresses?: number
}

export interface ProcessPlan {
  readonly serverProcesses: number
  readonly clientProcesses: number
  /** Connections of each client process. */
  readonly clientConnections: ReadonlyArray<number>
  /** Source addresses 127.0.0.1 … 127.0.0.N the connections are spread over (1: no binding). */
  readonly sourceAddresses: number
  /** Open files each server process needs, on average. */
  readonly filesPerServerProcess: number
  /**
   * Last octet of the first source address (1 when absent). Ports a client bound
   * explicitly stay taken on their address through TIME_WAIT (60 s), so a
   * flood right after another at this scale starts on fresh addresses.
   */
  readonly firstSourceAddress?: number
}

export type PlanVerdict =
  | { readonly _tag: "Planned"; readonly plan: ProcessPlan }
  | { readonly _tag: "Impossible"; readonly reason: string }

/**
 * SO_REUSEPORT spreads connections by a hash, not evenly: each server process
 * is planned to at most this share of its limit so the busiest still fits.
 */
const SERVER_HEADROOM = 0.9
/** TIME_WAIT and other sockets also hold ports: plan on this share of the range per source address. */
const PORT_HEADROOM = 0.9
export const MAX_SOURCE_ADDRESSES = 4

/** Splits n into k near-equal whole parts, larger ones first. */
export const split = (n: number, k: number): Array<number> =>
  Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0))

export const planProcesses = (input: PlanInput): PlanVerdict => {
  const { connections: n } = input
  const perProcess = input.openFilesHard - FD_RESERVE
  if (perProcess < 1) {
    return {
      _tag: "Impossible",
      reason: `the open-files hard limit (${input.openFilesHard}) leaves no room for sockets`
    }
  }
  const serverFiles = n * (input.filesPerConnection ?? 1)
  const leastServers = serverFiles <= perProcess ? 1 : Math.ceil(serverFiles / Math.floor(perProcess * SERVER_HEADROOM))
  const serverProcesses = input.serverProcesses ?? leastServers
  if (serverProcesses > 1 && input.serverMode === "single") {
    return {
      _tag: "Impossible",
      reason:
        input.serverProcesses === undefined
          ? `${n} connections need ${leastServers} server processes (open-files hard limit ${input.openFilesHard} per process) and this target cannot share its port between processes`
          : `--server-processes ${serverProcesses}: this target cannot share its port between processes`
    }
  }
  if (serverProcesses < leastServers) {
    return {
      _tag: "Impossible",
      reason: `--server-processes ${serverProcesses}: ${n} connections need at least ${leastServers} server processes under the open-files hard limit of ${input.openFilesHard}`
    }
  }
  // Linux's connect() takes a source port of one parity of ip_local_port_range first and scans all of that
  // half before trying the other; past half the range on one address each connect scans thousands of ports, and
  // opening 32,768 from one address took the client core 46 s of kernel time here. A client split over several
  // processes therefore plans on half the range per source address (a single process keeps the whole range).
  const perAddress = Math.floor((n > perProcess ? input.ports / 2 : input.ports) * PORT_HEADROOM)
  const sourceAddresses = Math.max(1, Math.ceil(n / perAddress))
  const maxSources = input.maxSourceAddresses ?? MAX_SOURCE_ADDRESSES
  if (sourceAddresses > maxSources) {
    return {
      _tag: "Impossible",
      reason: `${n} connections need ${sourceAddresses} source addresses at ${perAddress} ports each (ip_local_port_range gives ${input.ports}); at most ${maxSources} are used: widen the range with \`doctor --tune\``
    }
  }
  // A client process binds one source address (or spreads over all of them, the native one): at least one process per address.
  const leastClients = Math.ceil(n / perProcess)
  const clientProcesses =
    Math.ceil(Math.min(n, Math.max(leastClients, input.clientProcesses ?? 1)) / sourceAddresses) * sourceAddresses
  return {
    _tag: "Planned",
    plan: {
      serverProcesses,
      clientProcesses,
      clientConnections: split(n, clientProcesses),
      sourceAddresses,
      filesPerServerProcess: Math.ceil(serverFiles / serverProcesses) + FD_RESERVE
    }
  }
}

/** The source address of client process i when each process binds one (127.0.0.1, .2, …). */
export const sourceAddressOf = (plan: ProcessPlan, index: number): string | undefined =>
  plan.sourceAddresses > 1 ? `127.0.0.${(index % plan.sourceAddresses) + (plan.firstSourceAddress ?? 1)}` : undefined

/** Why a target cannot hold `connections` here (skipped with this reason), or undefined when a plan exists. */
export const cellVerdict = (
  limits: { readonly openFilesHard: number; readonly portRange: readonly [number, number] },
  manifest: TargetManifest,
  connections: number,
  options: { readonly serverProcesses?: number | undefined }
): string | undefined => {
  const verdict = planProcesses({
    connections,
    openFilesHard: limits.openFilesHard,
    ports: limits.portRange[1] - limits.portRange[0] + 1,
    ...serverSideOf(manifest),
    ...(options.serverProcesses === undefined ? {} : { serverProcesses: options.serverProcesses })
  })
  return verdict._tag === "Impossible" ? `${verdict.reason} (skipped)` : undefined
}
