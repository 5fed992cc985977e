/**
 * The operating system behind one service: everything echoflood reads from
 * the machine (per-core CPU time with softirq, a process's CPU, context
 * switches and memory, sockets, limits, sysctls, machine facts) and the few
 * things it asks of it (pin itself, signal a process). `LinuxSystem.layer`
 * reads /proc and /sys; tests use a layer fed with recorded /proc files, so
 * the arithmetic on top is checked against real readings without a machine.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"

/** @category errors */
export class SystemUnreadable extends Data.TaggedError("SystemUnreadable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message() {
    return `could not read ${this.path} (${this.reason}): echoflood measures through Linux /proc; run it on Linux with /proc mounted`
  }
}

/** @category errors */
export class ProcessGone extends Data.TaggedError("ProcessGone")<{ readonly pid: number | "self" }> {
  override get message() {
    return `process ${this.pid} is gone (no /proc/${this.pid})`
  }
}

/** @category errors */
export class SysctlWriteFailed extends Data.TaggedError("SysctlWriteFailed")<{
  readonly name: string
  readonly reason: string
}> {
  override get message() {
    return `could not set ${this.name}: ${this.reason}`
  }
}

/** Cumulative ticks of one core since boot, as /proc/stat gives them. @category models */
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

/** /proc/stat at one instant (`at`, milliseconds of a monotonic clock). @category models */
export interface SystemSnapshot {
  readonly at: number
  readonly cores: ReadonlyArray<CoreTimes>
  readonly contextSwitches: number
}

/** One process from /proc/<pid>/stat and status. @category models */
export interface ProcessSnapshot {
  readonly pid: number
  readonly userTicks: number
  readonly systemTicks: number
  /** Of the main thread only; `threadSwitches` sums over all threads. */
  readonly voluntary: number
  readonly involuntary: number
  readonly peakRssBytes: number
  readonly rssBytes: number
}

/** @category models */
export interface ProcessSwitches {
  /** Voluntary + involuntary, summed over threads; none past `maxThreads`. */
  readonly switches: Option.Option<number>
  readonly threads: number
}

/** /proc/net/sockstat, TCP line. @category models */
export interface Sockstat {
  readonly tcpInUse: number
  readonly timeWait: number
  /** Kernel TCP memory in use (pages × 4096), when given. */
  readonly tcpMemoryBytes: number | undefined
}

/**
 * Listen-queue counters of TcpExt in /proc/<pid>/net/netstat: cumulative since
 * boot, for the network namespace of that process. @category models
 */
export interface ListenQueueCounters {
  /** Completed handshakes dropped because a listener's accept queue was full (ListenOverflows). */
  readonly overflows: number
  /** Everything listeners dropped, overflows included (ListenDrops). */
  readonly drops: number
}

/** @category models */
export interface OpenFileLimit {
  readonly soft: number
  readonly hard: number
}

/** Facts about the machine a run records. @category models */
export interface MachineFacts {
  readonly host: string
  readonly kernel: string
  readonly cpuModel: string
  readonly memoryBytes: number
  readonly memAvailableBytes: number
  /** cpufreq governor of cpu0, where the machine has one. */
  readonly governor: string | undefined
}

/** A running process as the process list shows it. @category models */
export interface ProcessEntry {
  readonly pid: number
  readonly ppid: number
  /** argv joined by spaces. */
  readonly command: string
  /** The ECHOFLOOD_* variables of its environment (readable only for our own processes). */
  readonly marks: Readonly<Record<string, string>>
}

/** @category models */
export interface OperatingSystemService {
  /** Per-core times (softirq included) and system-wide context switches. */
  readonly cpuTimes: Effect.Effect<SystemSnapshot, SystemUnreadable>
  /** Online CPUs (at least 1). */
  readonly cpuCount: Effect.Effect<number>
  readonly process: (pid: number | "self") => Effect.Effect<ProcessSnapshot, ProcessGone>
  /** Context switches summed over the process's threads; none past `maxThreads` threads. */
  readonly threadSwitches: (pid: number, maxThreads: number) => Effect.Effect<ProcessSwitches, ProcessGone>
  /** Resets the peak RSS (VmHWM) so the next reading is the peak of what follows; best effort. */
  readonly resetPeakRss: (pid: number) => Effect.Effect<void>
  readonly sockstat: Effect.Effect<Sockstat>
  /**
   * Listen overflows and drops since boot in the network namespace of a process (its /proc/<pid>/net/netstat:
   * a server in a test host counts there); none where the kernel does not count them or the process is gone.
   */
  readonly listenQueue: (pid: number | "self") => Effect.Effect<Option.Option<ListenQueueCounters>>
  /** This process's open-file limit; none where the system does not say. */
  readonly openFileLimit: Effect.Effect<Option.Option<OpenFileLimit>>
  /** A sysctl by dotted name, whitespace collapsed to single spaces; none when absent. */
  readonly sysctl: (name: string) => Effect.Effect<Option.Option<string>>
  readonly setSysctl: (name: string, value: string) => Effect.Effect<void, SysctlWriteFailed>
  readonly machine: Effect.Effect<MachineFacts>
  readonly selfPid: Effect.Effect<number>
  /** Pins this process to a CPU list (e.g. "1"); best effort. */
  readonly pinSelf: (cpus: string) => Effect.Effect<void>
  readonly processes: Effect.Effect<ReadonlyArray<ProcessEntry>>
  /** Sends a signal to one process; false when it is gone or not ours. */
  readonly signal: (pid: number, signal: "SIGTERM" | "SIGKILL") => Effect.Effect<boolean>
}

/** @category tags */
export class OperatingSystem extends Context.Tag("echoflood/OperatingSystem")<
  OperatingSystem,
  OperatingSystemService
>() {}
