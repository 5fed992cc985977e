/**
 * What `bench:core` measures and writes to `runs/bench-core_<time>_<host>/bench-core.json`.
 * Times are seconds, sizes bytes, shares 0..1, unless a field name says otherwise.
 * Every summary and table is a function of the samples alone.
 */
import type { FloodReport } from "../engine/FloodResult.ts"
import type { CoreLoad } from "../system/CoreLoad.ts"
import type { RuntimeName } from "../transport/Transport.ts"

/** Who floods: the C client (build/c-epoll/flood) or the TS client on a runtime. */
export type ClientName = "native" | RuntimeName

/** A process over one flood: CPU used during it, memory at its end. */
export interface ProcessUsage {
  readonly pid: number
  readonly cpuSeconds: number
  readonly cpuUserSeconds: number
  readonly cpuSystemSeconds: number
  readonly rssBytes: number
  /** VmHWM: peak resident set since the process started (or was reset). */
  readonly peakRssBytes: number
}

/** One flood of one server by one client: what parts (a), (b) and (c) are made of. */
export interface FloodSample {
  readonly repetition: number
  /** Warm-up floods are kept but left out of every summary. */
  readonly warmup: boolean
  readonly startedAt: string
  readonly client: ClientName
  /** Target name (node, node-raw, …, c-epoll). */
  readonly server: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly ok: boolean
  /** First connect → last verified byte, as the client reports it. */
  readonly seconds: number
  readonly mbPerSecond: number
  /** Server process over the flood (utime+stime; misses softirq). */
  readonly serverUsage: ProcessUsage | undefined
  /**
   * Client process: over the flood alone for TS clients (they read their own
   * /proc), over the whole process for the native client (from /usr/bin/time,
   * 10 ms resolution; its start-up is a millisecond or two).
   */
  readonly clientUsage: Omit<ProcessUsage, "pid"> | undefined
  /** Busy share of the server's core (0) and the client's core (1) during the flood. */
  readonly serverCore: CoreLoad | undefined
  readonly clientCore: CoreLoad | undefined
  /** The client's core was busier than the server's and above 90%: the client set the pace. */
  readonly clientBound: boolean
  /**
   * Busier core's share over 200 ms just before the flood, with our servers
   * idle: the machine's other load (the bench waits for it to drop below 15%,
   * for at most 20 s).
   */
  readonly idleBusyBefore: number
  /** How the server's sockets read (our TS servers print it; e.g. Node's internal `onread` or `data` events). */
  readonly serverReadPath?: string | undefined
  /** The client's own report; missing when it crashed or printed nothing readable. */
  readonly report: FloodReport | undefined
  /** Why the sample failed without a report. */
  readonly problem?: string
}

/** Part (d): one server holding many connections at once. */
export interface MemorySample {
  readonly repetition: number
  readonly startedAt: string
  readonly server: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly ok: boolean
  /** VmRSS of the fresh server, after its readiness echo and a second of rest. */
  readonly idleRssBytes: number
  readonly idlePeakRssBytes: number
  /** VmHWM after the flood. */
  readonly peakRssBytes: number
  /** peakRssBytes - idleRssBytes. */
  readonly deltaBytes: number
  /** deltaBytes / connections / 1024. */
  readonly kibPerConnection: number
  readonly seconds: number
  readonly connectSeconds: number
  readonly serverUsage: ProcessUsage | undefined
  readonly serverCore: CoreLoad | undefined
  readonly clientCore: CoreLoad | undefined
  readonly idleBusyBefore: number
  readonly report: FloodReport | undefined
  readonly problem?: string
}

/** Min and median over the measured repetitions of one (client, server, size). */
export interface FloodSummary {
  readonly client: ClientName
  readonly server: string
  readonly connections: number
  readonly bytesPerConnection: number
  readonly repetitions: number
  readonly failed: number
  readonly minSeconds: number
  readonly medianSeconds: number
  /** MB/s of the fastest repetition. */
  readonly mbPerSecond: number
  /** Medians over the repetitions. */
  readonly serverCpuSeconds: number
  readonly clientCpuSeconds: number
  readonly serverCoreBusy: number
  readonly clientCoreBusy: number
  readonly serverPeakRssBytes: number
  readonly clientPeakRssBytes: number
  readonly clientBound: boolean
}

export interface MemorySummary {
  readonly server: string
  readonly connections: number
  readonly repetitions: number
  readonly failed: number
  readonly idleRssBytes: number
  /** Of the repetition with the smallest delta. */
  readonly peakRssBytes: number
  readonly deltaBytes: number
  readonly kibPerConnection: number
  readonly medianKibPerConnection: number
  readonly medianSeconds: number
}

export interface BenchPlan {
  readonly repetitions: number
  readonly warmup: number
  readonly quick: boolean
  readonly parts: ReadonlyArray<string>
  readonly sizes: ReadonlyArray<{ readonly connections: number; readonly bytesPerConnection: number }>
  readonly memory: {
    readonly connections: number
    readonly bytesPerConnection: number
    readonly connectConcurrency: number
  }
  readonly serverCpus: string
  readonly clientCpus: string
}

export interface BenchEnvironment {
  readonly host: string
  readonly kernel: string
  readonly cpuModel: string
  readonly cores: number
  readonly gitCommit: string
  readonly gitDirty: boolean
  readonly versions: Readonly<Record<string, string>>
  readonly somaxconn: string
}

export interface BenchCore {
  readonly kind: "bench-core"
  readonly startedAt: string
  readonly updatedAt: string
  readonly finished: boolean
  readonly plan: BenchPlan
  readonly environment: BenchEnvironment
  /** Targets that could not be started, with why. */
  readonly unavailable: Readonly<Record<string, string>>
  readonly samples: ReadonlyArray<FloodSample>
  readonly memorySamples: ReadonlyArray<MemorySample>
  readonly summaries: ReadonlyArray<FloodSummary>
  readonly memorySummaries: ReadonlyArray<MemorySummary>
}

const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const summarizeFloods = (samples: ReadonlyArray<FloodSample>): Array<FloodSummary> => {
  const groups = new Map<string, Array<FloodSample>>()
  for (const sample of samples) {
    if (sample.warmup) continue
    const key = `${sample.client}|${sample.server}|${sample.connections}|${sample.bytesPerConnection}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [sample])
    else group.push(sample)
  }
  return Array.from(groups.values(), (group) => {
    const ok = group.filter((s) => s.ok)
    const fastest = ok.reduce<FloodSample | undefined>(
      (a, s) => (a === undefined || s.seconds < a.seconds ? s : a),
      undefined
    )
    const first = group[0]!
    return {
      client: first.client,
      server: first.server,
      connections: first.connections,
      bytesPerConnection: first.bytesPerConnection,
      repetitions: group.length,
      failed: group.length - ok.length,
      minSeconds: fastest?.seconds ?? Number.NaN,
      medianSeconds: median(ok.map((s) => s.seconds)),
      mbPerSecond: fastest?.mbPerSecond ?? Number.NaN,
      serverCpuSeconds: median(ok.map((s) => s.serverUsage?.cpuSeconds ?? Number.NaN)),
      clientCpuSeconds: median(ok.map((s) => s.clientUsage?.cpuSeconds ?? Number.NaN)),
      serverCoreBusy: median(ok.map((s) => s.serverCore?.busy ?? Number.NaN)),
      clientCoreBusy: median(ok.map((s) => s.clientCore?.busy ?? Number.NaN)),
      serverPeakRssBytes: Math.max(0, ...ok.map((s) => s.serverUsage?.peakRssBytes ?? 0)),
      clientPeakRssBytes: Math.max(0, ...ok.map((s) => s.clientUsage?.peakRssBytes ?? 0)),
      clientBound: ok.filter((s) => s.clientBound).length * 2 > ok.length
    }
  })
}

export const summarizeMemory = (samples: ReadonlyArray<MemorySample>): Array<MemorySummary> => {
  const groups = new Map<string, Array<MemorySample>>()
  for (const sample of samples) {
    const key = `${sample.server}|${sample.connections}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [sample])
    else group.push(sample)
  }
  return Array.from(groups.values(), (group) => {
    const ok = group.filter((s) => s.ok)
    const least = ok.reduce<MemorySample | undefined>(
      (a, s) => (a === undefined || s.deltaBytes < a.deltaBytes ? s : a),
      undefined
    )
    return {
      server: group[0]!.server,
      connections: group[0]!.connections,
      repetitions: group.length,
      failed: group.length - ok.length,
      idleRssBytes: least?.idleRssBytes ?? Number.NaN,
      peakRssBytes: least?.peakRssBytes ?? Number.NaN,
      deltaBytes: least?.deltaBytes ?? Number.NaN,
      kibPerConnection: least?.kibPerConnection ?? Number.NaN,
      medianKibPerConnection: median(ok.map((s) => s.kibPerConnection)),
      medianSeconds: median(ok.map((s) => s.seconds))
    }
  })
}
