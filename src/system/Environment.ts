/** What a run records about the machine, so two runs can be told apart. */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Environment } from "../run/RunFile.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import { capture } from "./CapturedCommand.ts"
import { cpuCount, openFileLimit } from "./Limits.ts"

/** The kernel settings that decide how many connections a run can hold and how fast loopback is. */
export const SYSCTLS = [
  "net.core.somaxconn",
  "net.ipv4.tcp_max_syn_backlog",
  "net.core.netdev_max_backlog",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_tw_reuse",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
  "net.ipv4.tcp_mem",
  "fs.file-max",
  "fs.nr_open"
] as const

const sysctlPath = (name: string) => `/proc/sys/${name.replaceAll(".", "/")}`

export const readSysctl = (name: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(sysctlPath(name)).pipe(Effect.option)
    return Option.map(text, (t) => t.trim().replace(/\s+/g, " "))
  })

export const writeSysctl = (name: string, value: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(sysctlPath(name), value)
  })

export const readSysctls = Effect.gen(function* () {
  const values: Record<string, string> = {}
  for (const name of SYSCTLS) {
    const value = yield* readSysctl(name)
    if (Option.isSome(value)) values[name] = value.value
  }
  return values
})

const readTrimmed = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return yield* fs.readFileString(path).pipe(
      Effect.map((t) => t.trim()),
      Effect.option
    )
  })

export const collectEnvironment = (clientRuntime: string, clientRuntimeVersion: string) =>
  Effect.gen(function* () {
    const cpuinfo = yield* readTrimmed("/proc/cpuinfo")
    const meminfo = yield* readTrimmed("/proc/meminfo")
    const model = Option.getOrElse(cpuinfo, () => "").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown"
    const memKib = Number(Option.getOrElse(meminfo, () => "").match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0)
    const limit = yield* openFileLimit
    const git = yield* capture(["git", "-C", repoRoot, "rev-parse", "--short=12", "HEAD"])
    const dirty = yield* capture(["git", "-C", repoRoot, "status", "--porcelain", "--untracked-files=no"])
    const governor = yield* readTrimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return {
      host: Option.getOrElse(yield* readTrimmed("/proc/sys/kernel/hostname"), () => "unknown"),
      kernel: Option.getOrElse(yield* readTrimmed("/proc/sys/kernel/osrelease"), () => "unknown"),
      cpuModel: model,
      cpus: yield* cpuCount,
      memoryBytes: memKib * 1024,
      governor: Option.getOrUndefined(governor),
      clientRuntime,
      clientRuntimeVersion,
      gitCommit:
        git.exitCode === 0
          ? `${git.stdout.trim()}${dirty.stdout.trim() === "" ? "" : " (with uncommitted changes)"}`
          : "unknown",
      openFiles: Option.getOrElse(limit, () => ({ soft: -1, hard: -1 })),
      sysctls: yield* readSysctls
    } satisfies Environment
  })
