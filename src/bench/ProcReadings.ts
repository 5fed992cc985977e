/**
 * The few /proc readings the core bench needs: a process's CPU time and
 * memory, and each core's time split. Per-process CPU misses softirq time
 * (loopback's packet work, a quarter of a core here), so every measurement
 * also keeps the busy share of both cores from per-core /proc/stat.
 * (src/suite/ProcStat.ts reads the same files for the suite.)
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"

/** USER_HZ: /proc reports CPU time in these ticks (100 on every Linux we run on). */
export const CLOCK_TICKS = 100

/** @category models */
export interface ProcessReading {
  readonly pid: number
  /** utime and stime, in seconds. */
  readonly userSeconds: number
  readonly systemSeconds: number
  /** VmRSS and VmHWM (peak since start or since the last reset), in bytes. */
  readonly rssBytes: number
  readonly peakRssBytes: number
}

/** @category models */
export interface CoreTicks {
  readonly busy: number
  readonly user: number
  readonly system: number
  readonly softirq: number
  readonly total: number
}

/** Shares of one core's time over an interval (0..1). */
export interface CoreShare {
  readonly core: number
  readonly busy: number
  readonly user: number
  readonly system: number
  readonly softirq: number
}

const statusBytes = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

export const parseProcessReading = (pid: number, stat: string, status: string): ProcessReading => {
  // The command name (field 2) may hold spaces; the fields after ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return {
    pid,
    userSeconds: Number(fields[11]) / CLOCK_TICKS,
    systemSeconds: Number(fields[12]) / CLOCK_TICKS,
    rssBytes: statusBytes(status, "VmRSS"),
    peakRssBytes: statusBytes(status, "VmHWM")
  }
}

/** Reads a process's CPU and memory; fails when it is gone. */
export const readProcess = (pid: number | "self") =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const stat = yield* fs.readFileString(`/proc/${pid}/stat`)
    const status = yield* fs.readFileString(`/proc/${pid}/status`)
    return parseProcessReading(Number(stat.slice(0, stat.indexOf(" "))), stat, status)
  })

export const parseCoreTicks = (text: string): Array<CoreTicks> => {
  const cores: Array<CoreTicks> = []
  for (const line of text.split("\n")) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line)
    if (match === null) continue
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = match[2]!
      .trim()
      .split(/\s+/)
      .map(Number)
    const total = user + nice + system + idle + iowait + irq + softirq + steal
    cores[Number(match[1])] = {
      busy: total - idle - iowait,
      user: user + nice,
      system: system + irq,
      softirq,
      total
    }
  }
  return cores
}

/** Every core's cumulative ticks. */
export const readCores = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  return parseCoreTicks(yield* fs.readFileString("/proc/stat"))
})

/** Each core's time split between two readings. */
export const coreShares = (before: ReadonlyArray<CoreTicks>, after: ReadonlyArray<CoreTicks>): Array<CoreShare> =>
  after.map((b, core) => {
    const a = before[core] ?? b
    const total = Math.max(1, b.total - a.total)
    return {
      core,
      busy: (b.busy - a.busy) / total,
      user: (b.user - a.user) / total,
      system: (b.system - a.system) / total,
      softirq: (b.softirq - a.softirq) / total
    }
  })

/** Resets a process's VmHWM so the next reading is the peak of what follows (Linux clear_refs 5). */
export const resetPeakRss = (pid: number) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(`/proc/${pid}/clear_refs`, "5")
  })
