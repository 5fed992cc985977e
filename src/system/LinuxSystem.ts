/**
 * The `OperatingSystem` service on Linux: /proc and /sys read through the
 * platform's file system, `taskset` and `kill` run as commands. `make` takes
 * the file access as a parameter, so a test can feed it recorded /proc files
 * and get the same parsing and arithmetic as a real run.
 */
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { capture } from "./CapturedCommand.ts"
import {
  OperatingSystem,
  type OperatingSystemService,
  type ProcessEntry,
  ProcessGone,
  SysctlWriteFailed,
  SystemUnreadable
} from "./OperatingSystem.ts"
import {
  parseCpuCount,
  parseListenQueue,
  parseOpenFileLimit,
  parseParentPid,
  parseProcessSnapshot,
  parseProcStat,
  parseSockstat,
  statusField
} from "./ProcStat.ts"

/** How the service reaches the machine; a recording can stand in for it. @category models */
export interface MachineAccess {
  readonly read: (path: string) => Effect.Effect<string, SystemUnreadable>
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<string>, SystemUnreadable>
  readonly write: (path: string, text: string) => Effect.Effect<void, SystemUnreadable>
  /** Milliseconds of a monotonic clock, stamped on each /proc/stat reading. */
  readonly now: () => number
  readonly pinSelf: (pid: number, cpus: string) => Effect.Effect<void>
  readonly signal: (pid: number, signal: "SIGTERM" | "SIGKILL") => Effect.Effect<boolean>
}

const sysctlPath = (name: string) => `/proc/sys/${name.replaceAll(".", "/")}`
const MARK = "ECHOFLOOD_"

/** @category constructors */
export const make = (access: MachineAccess): OperatingSystemService => {
  const optional = (path: string) =>
    access.read(path).pipe(
      Effect.map((text) => text.trim()),
      Effect.option
    )
  const selfPid = Effect.map(access.read("/proc/self/stat"), (stat) => Number(stat.slice(0, stat.indexOf(" ")))).pipe(
    Effect.orElseSucceed(() => 0)
  )
  const processEntry = (pid: number) =>
    Effect.gen(function* () {
      const stat = yield* access.read(`/proc/${pid}/stat`)
      const cmdline = yield* access.read(`/proc/${pid}/cmdline`).pipe(Effect.orElseSucceed(() => ""))
      // Another user's environment is unreadable; such a process is not ours anyway.
      const environ = yield* access.read(`/proc/${pid}/environ`).pipe(Effect.orElseSucceed(() => ""))
      const marks: Record<string, string> = {}
      for (const entry of environ.split("\0")) {
        if (!entry.startsWith(MARK)) continue
        const eq = entry.indexOf("=")
        marks[entry.slice(0, eq)] = entry.slice(eq + 1)
      }
      return {
        pid,
        ppid: parseParentPid(stat),
        command: cmdline.split("\0").join(" ").trim(),
        marks
      } satisfies ProcessEntry
    }).pipe(Effect.option)

  return {
    cpuTimes: Effect.map(access.read("/proc/stat"), (text) => parseProcStat(text, access.now())),
    cpuCount: access.read("/proc/stat").pipe(
      Effect.map(parseCpuCount),
      Effect.orElseSucceed(() => 1)
    ),
    process: (pid) =>
      Effect.all([access.read(`/proc/${pid}/stat`), access.read(`/proc/${pid}/status`)]).pipe(
        Effect.map(([stat, status]) => parseProcessSnapshot(stat, status)),
        Effect.mapError(() => new ProcessGone({ pid }))
      ),
    threadSwitches: (pid, maxThreads) =>
      Effect.gen(function* () {
        const tasks = yield* access.list(`/proc/${pid}/task`).pipe(Effect.mapError(() => new ProcessGone({ pid })))
        if (tasks.length > maxThreads) return { switches: Option.none(), threads: tasks.length }
        let sum = 0
        for (const tid of tasks) {
          // A thread may exit between the listing and the read: it simply no longer counts.
          const status = yield* access.read(`/proc/${pid}/task/${tid}/status`).pipe(Effect.orElseSucceed(() => ""))
          sum += statusField(status, "voluntary_ctxt_switches") + statusField(status, "nonvoluntary_ctxt_switches")
        }
        return { switches: Option.some(sum), threads: tasks.length }
      }),
    resetPeakRss: (pid) => access.write(`/proc/${pid}/clear_refs`, "5").pipe(Effect.ignore),
    sockstat: access.read("/proc/net/sockstat").pipe(
      Effect.map(parseSockstat),
      Effect.orElseSucceed(() => ({ tcpInUse: 0, timeWait: 0, tcpMemoryBytes: undefined }))
    ),
    listenQueue: (pid) =>
      access.read(`/proc/${pid}/net/netstat`).pipe(
        Effect.map(parseListenQueue),
        Effect.orElseSucceed(() => Option.none())
      ),
    openFileLimit: access.read("/proc/self/limits").pipe(
      Effect.map(parseOpenFileLimit),
      Effect.orElseSucceed(() => Option.none())
    ),
    sysctl: (name) =>
      access.read(sysctlPath(name)).pipe(
        Effect.map((text) => text.trim().replace(/\s+/g, " ")),
        Effect.option
      ),
    setSysctl: (name, value) =>
      access
        .write(sysctlPath(name), value)
        .pipe(Effect.mapError((error) => new SysctlWriteFailed({ name, reason: error.reason }))),
    machine: Effect.gen(function* () {
      const cpuinfo = Option.getOrElse(yield* optional("/proc/cpuinfo"), () => "")
      const meminfo = Option.getOrElse(yield* optional("/proc/meminfo"), () => "")
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(meminfo)?.[1] ?? 0) * 1024
      return {
        host: Option.getOrElse(yield* optional("/proc/sys/kernel/hostname"), () => "unknown"),
        kernel: Option.getOrElse(yield* optional("/proc/sys/kernel/osrelease"), () => "unknown"),
        cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown",
        memoryBytes: kib("MemTotal"),
        memAvailableBytes: kib("MemAvailable"),
        governor: Option.getOrUndefined(yield* optional("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"))
      }
    }),
    selfPid,
    pinSelf: (cpus) => Effect.flatMap(selfPid, (pid) => access.pinSelf(pid, cpus)),
    processes: access.list("/proc").pipe(
      Effect.orElseSucceed((): ReadonlyArray<string> => []),
      Effect.flatMap((names) =>
        Effect.forEach(
          names.filter((name) => /^\d+$/.test(name)),
          (name) => processEntry(Number(name))
        )
      ),
      Effect.map((entries) => entries.flatMap((e) => (Option.isSome(e) ? [e.value] : [])))
    ),
    signal: access.signal
  }
}

const unreadable = (path: string) => (error: { readonly message: string }) =>
  new SystemUnreadable({ path, reason: error.message })

/** @category layers */
export const layer: Layer.Layer<OperatingSystem, never, FileSystem.FileSystem | CommandExecutor.CommandExecutor> =
  Layer.effect(
    OperatingSystem,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const executor = yield* CommandExecutor.CommandExecutor
      const run = (argv: ReadonlyArray<string>) =>
        capture(argv).pipe(Effect.provideService(CommandExecutor.CommandExecutor, executor))
      return make({
        read: (path) => fs.readFileString(path).pipe(Effect.mapError(unreadable(path))),
        list: (dir) => fs.readDirectory(dir).pipe(Effect.mapError(unreadable(dir))),
        write: (path, text) => fs.writeFileString(path, text).pipe(Effect.mapError(unreadable(path))),
        now: () => performance.now(),
        pinSelf: (pid, cpus) => run(["taskset", "-pc", cpus, String(pid)]).pipe(Effect.asVoid),
        signal: (pid, signal) =>
          Effect.map(run(["kill", "-s", signal.slice(3), String(pid)]), (result) => result.exitCode === 0)
      })
    })
  )
