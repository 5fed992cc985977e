/**
 * What this machine allows before a run starts: open files, listen backlog,
 * ports, TIME_WAIT, memory. Each connection count gets a verdict, so a cell
 * that cannot run here is skipped with the reason instead of failing
 * obscurely, and `doctor --tune` can apply the original benchmark's settings.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readSysctl, readSysctls, writeSysctl } from "../system/Environment.ts"
import { cpuCount, FD_RESERVE, openFileLimit } from "../system/Limits.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"
import { timeWaitCount } from "../system/ProcStat.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import { countOf } from "./NumberFormat.ts"
import { firstProblem } from "./RunStore.ts"

export interface Limits {
  readonly openFilesSoft: number
  readonly openFilesHard: number
  readonly somaxconn: number
  readonly synBacklog: number
  readonly portRange: readonly [number, number]
  readonly timeWait: number
  readonly memAvailableBytes: number
  readonly cpus: number
  /** net.ipv4.tcp_tw_reuse: 1, or 2 for loopback only, lets connects reuse TIME_WAIT ports. */
  readonly timeWaitReuse: number
  /** kernel.pid_max and kernel.threads-max: every thread takes a pid, so they bound thread-per-connection servers. */
  readonly pidMax?: number
  readonly threadsMax?: number
}

export const readLimits = Effect.gen(function* () {
  const files = Option.getOrElse(yield* openFileLimit, () => ({ soft: 1024, hard: 1024 }))
  const num = (v: Option.Option<string>, fallback: number) => Option.getOrElse(Option.map(v, Number), () => fallback)
  const range = Option.getOrElse(yield* readSysctl("net.ipv4.ip_local_port_range"), () => "32768 60999")
    .split(" ")
    .map(Number)
  const machine = yield* Effect.flatMap(OperatingSystem, (os) => os.machine)
  return {
    openFilesSoft: files.soft,
    openFilesHard: files.hard,
    somaxconn: num(yield* readSysctl("net.core.somaxconn"), 4096),
    synBacklog: num(yield* readSysctl("net.ipv4.tcp_max_syn_backlog"), 1024),
    portRange: [range[0]!, range[1]!] as const,
    timeWait: yield* timeWaitCount,
    memAvailableBytes: machine.memAvailableBytes,
    cpus: yield* cpuCount,
    timeWaitReuse: num(yield* readSysctl("net.ipv4.tcp_tw_reuse"), 0),
    pidMax: Option.getOrUndefined(Option.map(yield* readSysctl("kernel.pid_max"), Number)),
    threadsMax: Option.getOrUndefined(Option.map(yield* readSysctl("kernel.threads-max"), Number))
  } satisfies Limits
})

/** Ports the client can bind to one server address. */
export const portCount = (limits: Limits) => limits.portRange[1] - limits.portRange[0] + 1

/**
 * Why `connections` cannot run here with one server process and one client
 * process, or undefined when it can.
 */
export const connectionsVerdict = (limits: Limits, connections: number): string | undefined => {
  const needed = connections + FD_RESERVE
  if (needed > limits.openFilesHard) {
    return `${countOf(connections, "connection")} need about ${needed} open files in one process; the hard limit here is ${limits.openFilesHard}, so it is not possible in one server process (skipped)`
  }
  if (connections > portCount(limits)) {
    return `${countOf(connections, "connection")} need as many client ports; ip_local_port_range gives ${portCount(limits)} (widen it with \`doctor --tune\`)`
  }
  return undefined
}

/** Threads the rest of the machine keeps (runtimes, the client, the system) beside one thread per connection. */
export const THREAD_RESERVE = 4096
/** The pid_max `doctor --tune` and the seed preset set: the kernel's largest on 64-bit (PID_MAX_LIMIT). */
export const TUNED_PID_MAX = "4194304"

/**
 * Why a server with a thread per connection cannot hold `connections` here,
 * or undefined when it can: each thread takes a pid, and pid_max counts
 * every task of the machine.
 */
export const threadsVerdict = (limits: Limits, connections: number): string | undefined => {
  const fixes = threadLimitFixes(limits, connections)
  if (fixes.length === 0) return undefined
  return `${countOf(connections, "connection")} need as many server threads (a thread per connection) plus about ${THREAD_RESERVE} for the rest of the machine; ${fixes.join("; ")}`
}

/** Each of pid_max and threads-max that is too low for `connections` threads, with its value and the fix; empty when neither is. */
export const threadLimitFixes = (limits: Limits, connections: number): ReadonlyArray<string> => {
  const needed = connections + THREAD_RESERVE
  const fixes: Array<string> = []
  if (limits.pidMax !== undefined && limits.pidMax < needed)
    fixes.push(
      `kernel.pid_max is ${limits.pidMax}: run \`doctor --tune\` as root (it sets ${TUNED_PID_MAX} and saves the old value), or \`sudo sysctl -w kernel.pid_max=${TUNED_PID_MAX}\``
    )
  if (limits.threadsMax !== undefined && limits.threadsMax < needed)
    fixes.push(`kernel.threads-max is ${limits.threadsMax}: \`sudo sysctl -w kernel.threads-max=${needed}\``)
  return fixes
}

/** The largest power of two that one server process and one client can hold here. */
export const largestPowerOfTwo = (limits: Limits) => {
  let n = 1
  while (connectionsVerdict(limits, n * 2) === undefined && n < 65536) n *= 2
  return n
}

/** The original benchmark's kernel settings, plus a pid_max for thread-per-connection servers, minus its small socket buffers, which would change every result. */
export const TUNED: ReadonlyArray<readonly [string, string]> = [
  ["net.core.somaxconn", "32768"],
  ["net.ipv4.tcp_max_syn_backlog", "32768"],
  ["net.core.netdev_max_backlog", "32768"],
  ["net.ipv4.ip_local_port_range", "21000 61000"],
  ["net.ipv4.tcp_tw_reuse", "1"],
  // Not the original's: room for a thread per connection (Python threads) at 32,768 and past.
  ["kernel.pid_max", TUNED_PID_MAX]
]

export const savedSysctlsPath = `${repoRoot}/runs/.sysctls-before-tune.json`

const Saved = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.String }))

/** @category errors */
export class TuneFailed extends Data.TaggedError("TuneFailed")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** Applies TUNED, saving the old values once (a second tune keeps the first saved values). */
export const tune = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const before = yield* readSysctls
  if (!(yield* fs.exists(savedSysctlsPath).pipe(Effect.orElseSucceed(() => false)))) {
    yield* fs.makeDirectory(`${repoRoot}/runs`, { recursive: true }).pipe(Effect.ignore)
    yield* fs.writeFileString(savedSysctlsPath, JSON.stringify(before, null, 2)).pipe(
      Effect.mapError(
        (error) =>
          new TuneFailed({
            reason: `could not save the current sysctls to ${savedSysctlsPath} before changing them (${error.message}): run \`doctor --tune\` as root, in a checkout it may write to`
          })
      )
    )
  }
  const changes: Array<string> = []
  for (const [name, value] of TUNED) {
    yield* writeSysctl(name, value).pipe(
      Effect.mapError(
        (error) =>
          new TuneFailed({
            reason: `could not set ${name} (${error.message}): run \`doctor --tune\` as root, or \`sudo sysctl -w ${name}="${value}"\``
          })
      )
    )
    changes.push(`${name}: ${before[name] ?? "?"} → ${value}`)
  }
  return changes
})

/** Puts back what `tune` saved. */
export const restore = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs
    .readFileString(savedSysctlsPath)
    .pipe(
      Effect.mapError(
        () =>
          new TuneFailed({ reason: `nothing to restore: ${savedSysctlsPath} is missing (was \`doctor --tune\` run?)` })
      )
    )
  const saved = yield* Schema.decodeUnknown(Saved)(text).pipe(
    Effect.mapError(
      (e) =>
        new TuneFailed({
          reason: `${savedSysctlsPath} is unreadable (${firstProblem(e)}): set the sysctls back by hand (\`sysctl -w\`), then delete it`
        })
    )
  )
  const changes: Array<string> = []
  // compare --preset seed saves the socket buffer defaults too (a compare that was killed leaves them here).
  for (const name of [...TUNED.map(([n]) => n), "net.core.rmem_default", "net.core.wmem_default"]) {
    const value = saved[name]
    if (value === undefined) continue
    yield* writeSysctl(name, value.replace(" ", "\t")).pipe(
      Effect.mapError((error) => new TuneFailed({ reason: `could not restore ${name}: ${error.message}` }))
    )
    changes.push(`${name} → ${value}`)
  }
  yield* fs.remove(savedSysctlsPath).pipe(Effect.ignore)
  return changes
})
