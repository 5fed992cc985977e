/** What a run records about the machine, so two runs can be told apart. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { capture } from "./CapturedCommand.ts"
import { OperatingSystem } from "./OperatingSystem.ts"

export const Environment = Schema.Struct({
  host: Schema.String,
  kernel: Schema.String,
  cpuModel: Schema.String,
  cpus: Schema.Number,
  memoryBytes: Schema.Number,
  governor: Schema.optional(Schema.String),
  clientRuntime: Schema.String,
  clientRuntimeVersion: Schema.String,
  gitCommit: Schema.String,
  openFiles: Schema.Struct({ soft: Schema.Number, hard: Schema.Number }),
  sysctls: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type Environment = typeof Environment.Type

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
  "fs.nr_open",
  "kernel.pid_max",
  "kernel.threads-max"
] as const

export const readSysctl = (name: string) => Effect.flatMap(OperatingSystem, (os) => os.sysctl(name))

export const writeSysctl = (name: string, value: string) =>
  Effect.flatMap(OperatingSystem, (os) => os.setSysctl(name, value))

export const readSysctls = Effect.gen(function* () {
  const values: Record<string, string> = {}
  for (const name of SYSCTLS) {
    const value = yield* readSysctl(name)
    if (Option.isSome(value)) values[name] = value.value
  }
  return values
})

/** `checkout`: the git work tree whose commit the run records. */
export const collectEnvironment = (clientRuntime: string, clientRuntimeVersion: string, checkout: string) =>
  Effect.gen(function* () {
    const os = yield* OperatingSystem
    const machine = yield* os.machine
    const limit = yield* os.openFileLimit
    const git = yield* capture(["git", "-C", checkout, "rev-parse", "--short=12", "HEAD"])
    const dirty = yield* capture(["git", "-C", checkout, "status", "--porcelain", "--untracked-files=no"])
    return {
      host: machine.host,
      kernel: machine.kernel,
      cpuModel: machine.cpuModel,
      cpus: yield* os.cpuCount,
      memoryBytes: machine.memoryBytes,
      governor: machine.governor,
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
