/**
 * Before a flood of many connections: wait for the TIME_WAIT sockets of the
 * floods before it to clear, so connects do not run out of local ports.
 * A closed connection's port stays in TIME_WAIT for 60 s on the side that
 * closed first; several floods of 16,000 in a row would otherwise fail with
 * "Cannot assign requested address" on the default 28,232-port range.
 */
import * as Effect from "effect/Effect"
import { timeWaitCount } from "../system/ProcStat.ts"
import { portCount, readLimits } from "./Preflight.ts"

/** The share of the port range a flood may count on: the rest is left for other sockets on the machine. */
const USABLE_SHARE = 0.8
/** TIME_WAIT lasts 60 s; past this the flood goes ahead and its preflight or connect errors say why. */
const MAX_WAIT_SECONDS = 70

/** Waits until the client has enough free ports for `connections`, or 70 s. */
export const drainTimeWait = (connections: number, log: (line: string) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const limits = yield* readLimits
    // tcp_tw_reuse 1 (or 2, loopback only: our case) lets connects reuse TIME_WAIT ports.
    if (limits.timeWaitReuse !== 0) return
    const budget = Math.floor(portCount(limits) * USABLE_SHARE)
    let waited = 0
    let tw = yield* timeWaitCount
    if (tw + connections <= budget) return
    yield* log(`waiting for ${tw} TIME_WAIT sockets to clear before ${connections} connections…`)
    while (tw + connections > budget && waited < MAX_WAIT_SECONDS) {
      yield* Effect.sleep("1 second")
      waited++
      tw = yield* timeWaitCount
    }
  })
