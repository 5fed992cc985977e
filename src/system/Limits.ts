/**
 * Machine limits, so bad input fails before any traffic with
 * the limit and the way to raise it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { OperatingSystem } from "./OperatingSystem.ts"

export type { OpenFileLimit } from "./OperatingSystem.ts"

/** Sockets a process needs beyond its connections (stdio, listener, runtime internals). */
export const FD_RESERVE = 64

/** The open-file limit of the process that reads it, or none where the system does not say. */
export const openFileLimit = Effect.flatMap(OperatingSystem, (os) => os.openFileLimit)

/** Number of online CPUs. */
export const cpuCount = Effect.flatMap(OperatingSystem, (os) => os.cpuCount)

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
