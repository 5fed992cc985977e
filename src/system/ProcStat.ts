/**
 * Parsers for /proc text and the measurement arithmetic on top of them.
 * Per-process figures miss softirq time (a quarter of a core on loopback
 * here), so each core's busy share comes from per-core /proc/stat as well.
 * The readings themselves come from the `OperatingSystem` service.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CoreLoad, ServerUsage } from "./CoreLoad.ts"
import {
  type CoreTimes,
  type ListenQueueCounters,
  type OpenFileLimit,
  OperatingSystem,
  type ProcessSnapshot,
  type Sockstat,
  type SystemSnapshot
} from "./OperatingSystem.ts"

export type { CoreTimes, ProcessSnapshot, SystemSnapshot }

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux we run on. */
export const CLOCK_TICKS = 100

export const parseProcStat = (text: string, at: number): SystemSnapshot => {
  const cores: Array<CoreTimes> = []
  let contextSwitches = 0
  for (const line of text.split("\n")) {
    const cpu = /^cpu(\d+)\s+(.*)$/.exec(line)
    if (cpu !== null) {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu[2]!.split(/\s+/).map(Number)
      cores[Number(cpu[1])] = {
        user: user!,
        nice: nice!,
        system: system!,
        idle: idle!,
        iowait: iowait ?? 0,
        irq: irq ?? 0,
        softirq: softirq ?? 0,
        steal: steal ?? 0
      }
    } else if (line.startsWith("ctxt ")) {
      contextSwitches = Number(line.slice(5))
    }
  }
  return { at, cores, contextSwitches }
}

/** Online CPUs from /proc/stat's per-core lines. */
export const parseCpuCount = (procStat: string) =>
  Math.max(1, procStat.split("\n").filter((l) => /^cpu\d+ /.test(l)).length)

const kib = (status: string, field: string) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

/** A numeric field of a /proc status file, 0 when absent. */
export const statusField = (status: string, field: string) => {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)
  return match === null ? 0 : Number(match[1])
}

/** /proc/<pid>/stat and /proc/<pid>/status of one process. */
export const parseProcessSnapshot = (stat: string, status: string): ProcessSnapshot => {
  // The command name (field 2) may hold spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return {
    pid: Number(stat.slice(0, stat.indexOf(" "))),
    userTicks: Number(fields[11]),
    systemTicks: Number(fields[12]),
    voluntary: statusField(status, "voluntary_ctxt_switches"),
    involuntary: statusField(status, "nonvoluntary_ctxt_switches"),
    peakRssBytes: kib(status, "VmHWM"),
    rssBytes: kib(status, "VmRSS")
  }
}

/** The parent PID, field 4 of /proc/<pid>/stat. */
export const parseParentPid = (stat: string) => Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])

export const parseSockstat = (text: string): Sockstat => {
  const tcp = /^TCP:(.*)$/m.exec(text)?.[1] ?? ""
  const value = (name: string) => {
    const match = new RegExp(`\\b${name} (\\d+)`).exec(tcp)
    return match === null ? undefined : Number(match[1])
  }
  const pages = value("mem")
  return {
    tcpInUse: value("inuse") ?? 0,
    timeWait: value("tw") ?? 0,
    tcpMemoryBytes: pages === undefined ? undefined : pages * 4096
  }
}

/** ListenOverflows and ListenDrops of the TcpExt lines (a header line of names, then one of values). */
export const parseListenQueue = (netstat: string): Option.Option<ListenQueueCounters> => {
  const [names, values] = netstat.split("\n").filter((line) => line.startsWith("TcpExt:"))
  if (names === undefined || values === undefined) return Option.none()
  const header = names.split(/\s+/)
  const numbers = values.split(/\s+/)
  const field = (name: string) => {
    const index = header.indexOf(name)
    return index < 1 ? undefined : Number(numbers[index])
  }
  const overflows = field("ListenOverflows")
  const drops = field("ListenDrops")
  return overflows === undefined || !Number.isFinite(overflows)
    ? Option.none()
    : Option.some({ overflows, drops: drops !== undefined && Number.isFinite(drops) ? drops : overflows })
}

// "unlimited" becomes a finite number so run.json (JSON) can hold it.
const parseLimit = (value: string) => (value === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(value))

/** The "Max open files" line of /proc/<pid>/limits. */
export const parseOpenFileLimit = (limits: string): Option.Option<OpenFileLimit> => {
  const match = /Max open files\s+(\S+)\s+(\S+)/.exec(limits)
  return match === null ? Option.none() : Option.some({ soft: parseLimit(match[1]!), hard: parseLimit(match[2]!) })
}

/**
 * The load of one core, or of a side's cores taken together (their times
 * summed, so each share is the mean over them; `core` is then the first).
 */
export const coreLoad = (
  before: SystemSnapshot,
  after: SystemSnapshot,
  cores: number | ReadonlyArray<number>
): CoreLoad | undefined => {
  const list = typeof cores === "number" ? [cores] : cores
  const pairs: Array<readonly [CoreTimes, CoreTimes]> = []
  for (const n of list) {
    const a = before.cores[n]
    const b = after.cores[n]
    if (a === undefined || b === undefined) return undefined
    pairs.push([a, b])
  }
  const core = list[0]
  if (core === undefined) return undefined
  const d = (k: keyof CoreTimes) => pairs.reduce((sum, [a, b]) => sum + Math.max(0, b[k] - a[k]), 0)
  const total = d("user") + d("nice") + d("system") + d("idle") + d("iowait") + d("irq") + d("softirq") + d("steal")
  if (total === 0) return undefined
  const idle = (d("idle") + d("iowait")) / total
  return {
    core,
    busy: 1 - idle,
    user: (d("user") + d("nice")) / total,
    system: (d("system") + d("irq")) / total,
    softirq: d("softirq") / total,
    idle
  }
}

/** Every core's load between two snapshots, indexed by core number. */
export const coreLoads = (before: SystemSnapshot, after: SystemSnapshot): Array<CoreLoad | undefined> =>
  after.cores.map((_, core) => coreLoad(before, after, core))

/** System-wide context switches per second between two snapshots; undefined over no time. */
export const contextSwitchRate = (before: SystemSnapshot, after: SystemSnapshot) => {
  const seconds = (after.at - before.at) / 1000
  return seconds > 0 ? (after.contextSwitches - before.contextSwitches) / seconds : undefined
}

/** CPU seconds (user + system) a process spent between two snapshots. */
export const cpuSeconds = (before: ProcessSnapshot, after: ProcessSnapshot) =>
  (after.userTicks - before.userTicks + after.systemTicks - before.systemTicks) / CLOCK_TICKS

export const serverUsage = (before: ProcessSnapshot, after: ProcessSnapshot): ServerUsage => ({
  pid: after.pid,
  cpuUserSeconds: (after.userTicks - before.userTicks) / CLOCK_TICKS,
  cpuSystemSeconds: (after.systemTicks - before.systemTicks) / CLOCK_TICKS,
  voluntaryContextSwitches: after.voluntary - before.voluntary,
  involuntaryContextSwitches: after.involuntary - before.involuntary,
  peakRssBytes: after.peakRssBytes,
  rssBytes: after.rssBytes
})

/** Memory a process holds per open connection: the growth of its RSS over the idle baseline. */
export const memoryPerConnection = (idle: ProcessSnapshot, loaded: ProcessSnapshot, connections: number) =>
  connections > 0 ? Math.max(0, loaded.rssBytes - idle.rssBytes) / connections : 0

/** /proc/stat now; fails only where there is no /proc. */
export const systemSnapshot = Effect.flatMap(OperatingSystem, (os) => os.cpuTimes)

/** Reads a process's CPU, context switches and memory; fails when it is gone. */
export const readProcessSnapshot = (pid: number | "self") => Effect.flatMap(OperatingSystem, (os) => os.process(pid))

/** None when the process is gone. */
export const processSnapshot = (pid: number) => readProcessSnapshot(pid).pipe(Effect.option)

/** Resets VmHWM so the next reading is the peak of what follows (Linux clear_refs 5). */
export const resetPeakRss = (pid: number) => Effect.flatMap(OperatingSystem, (os) => os.resetPeakRss(pid))

/** TIME_WAIT sockets on the machine. */
export const timeWaitCount = Effect.flatMap(OperatingSystem, (os) => Effect.map(os.sockstat, (s) => s.timeWait))

/** Kernel TCP memory in use, when the kernel says. */
export const tcpMemoryBytes = Effect.flatMap(OperatingSystem, (os) => Effect.map(os.sockstat, (s) => s.tcpMemoryBytes))

/** The client core is busier than the server core and above 90%: the client, not the server, set the pace. */
export const isClientBound = (serverBusy: number, clientBusy: number) => clientBusy > 0.9 && clientBusy > serverBusy
