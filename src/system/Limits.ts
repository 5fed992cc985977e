/**
 * Machine limits read from /proc, so bad input fails before any traffic with
 * the limit and the way to raise it.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"

export interface OpenFileLimit {
  readonly soft: number
  readonly hard: number
}

/** Sockets a process needs beyond its connections (stdio, listener, runtime internals). */
export const FD_RESERVE = 64

// "unlimited" becomes a finite number so run.json (JSON) can hold it.
const parseLimit = (value: string) => (value === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(value))

/** The open-file limit of the process that reads it, or none where /proc is missing. */
export const openFileLimit = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString("/proc/self/limits").pipe(Effect.option)
  if (Option.isNone(text)) return Option.none<OpenFileLimit>()
  const line = text.value.split("\n").find((l) => l.startsWith("Max open files"))
  const match = line?.match(/Max open files\s+(\S+)\s+(\S+)/)
  if (match === null || match === undefined) return Option.none<OpenFileLimit>()
  return Option.some({ soft: parseLimit(match[1]!), hard: parseLimit(match[2]!) })
})

/** Number of online CPUs, from /proc/stat's per-core lines. */
export const cpuCount = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString("/proc/stat").pipe(Effect.orElseSucceed(() => ""))
  return Math.max(1, text.split("\n").filter((l) => /^cpu\d+ /.test(l)).length)
})

/**
 * Fails when `connections` sockets cannot be open at once in one process
 * under the soft limit, naming the limit and the fix.
 */
export const checkConnectionsFit = (connections: number, who: string) =>
  Effect.gen(function* () {
    const limit = yield* openFileLimit
    if (Option.isNone(limit)) return
    const { hard, soft } = limit.value
    const needed = connections + FD_RESERVE
    if (needed <= soft) return
    if (needed <= hard) {
      return yield* new InvalidOption({
        option: "connections",
        value: connections,
        problem: `${who} needs about ${needed} open files, above this shell's limit of ${soft}`,
        fix: `Raise it with \`ulimit -n ${hard}\` (the hard limit) and run again.`
      })
    }
    return yield* new InvalidOption({
      option: "connections",
      value: connections,
      problem: `${who} needs about ${needed} open files, above the hard limit of ${hard} for one process`,
      fix: `Use at most ${hard - FD_RESERVE} connections, or raise the hard limit (as root: \`ulimit -Hn <n>\` or nofile in /etc/security/limits.conf) where the system allows it.`
    })
  })
