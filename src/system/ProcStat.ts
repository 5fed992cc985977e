/**
 * CPU, context-switch and memory readings from /proc. Per-process figures
 * miss softirq time (a quarter of a core on loopback here), so each core's
 * busy share comes from per-core /proc/stat as well.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CoreLoad, ServerUsage } from "../run/RunFile.ts"

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux we run on. */
export const CLOCK_TICKS = 100

export interface CoreTimes {
  readonly user: number
  readonly nice: number
  readonly system: number
  readonly idle: number
  readonly iowait: number
  readonly irq: number
  readonly softirq: number
  readonly steal: number
}

export interface SystemSnapshot {
  readonly at: number
  readonly cores: ReadonlyArray<CoreTimes>
  readonly contextSwitches: number
}

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

export const systemSnapshot = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString("/proc/stat")
  return parseProcStat(text, performance.now())
})

/** Share of each kind of time on one core between two snapshots. */
export const coreLoad = (before: SystemSnapshot, after: SystemSnapshot, core: number): CoreLoad | undefined => {
  const a = before.cores[core]
  const b = after.cores[core]
  if (a === undefined || b === undefined) return undefined
  const d = (k: keyof CoreTimes) => Math.max(0, b[k] - a[k])
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

export interface ProcessSnapshot {
  readonly pid: number
  readonly userTicks: number
  readonly systemTicks: number
  readonly voluntary: number
  readonly involuntary: number
  readonly peakRssBytes: number
  readonly rssBytes: number
}

const kib = (status: string, field: string) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}
const count = (status: string, field: string) => {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)
  return match === null ? 0 : Number(match[1])
}

/** Reads a process's CPU, context switches and memory; fails when it is gone. */
export const readProcessSnapshot = (pid: number | "self") =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const stat = yield* fs.readFileString(`/proc/${pid}/stat`)
    const status = yield* fs.readFileString(`/proc/${pid}/status`)
    // The command name (field 2) may hold spaces; fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return {
      pid: Number(stat.slice(0, stat.indexOf(" "))),
      userTicks: Number(fields[11]),
      systemTicks: Number(fields[12]),
      voluntary: count(status, "voluntary_ctxt_switches"),
      involuntary: count(status, "nonvoluntary_ctxt_switches"),
      peakRssBytes: kib(status, "VmHWM"),
      rssBytes: kib(status, "VmRSS")
    } satisfies ProcessSnapshot
  })

/** None when the process is gone. */
export const processSnapshot = (pid: number) => readProcessSnapshot(pid).pipe(Effect.option)

/** Resets VmHWM so the next reading is the peak of what follows (Linux clear_refs 5). */
export const resetPeakRss = (pid: number) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(`/proc/${pid}/clear_refs`, "5")
  }).pipe(Effect.ignore)

export const serverUsage = (before: ProcessSnapshot, after: ProcessSnapshot): ServerUsage => ({
  pid: after.pid,
  cpuUserSeconds: (after.userTicks - before.userTicks) / CLOCK_TICKS,
  cpuSystemSeconds: (after.systemTicks - before.systemTicks) / CLOCK_TICKS,
  voluntaryContextSwitches: after.voluntary - before.voluntary,
  involuntaryContextSwitches: after.involuntary - before.involuntary,
  peakRssBytes: after.peakRssBytes,
  rssBytes: after.rssBytes
})

/** TIME_WAIT sockets on the machine, from /proc/net/sockstat. */
export const timeWaitCount = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString("/proc/net/sockstat").pipe(Effect.option)
  if (Option.isNone(text)) return 0
  const match = /TCP:.*\btw (\d+)/.exec(text.value)
  return match === null ? 0 : Number(match[1])
})
