/**
 * Handshakes the kernel dropped because a listener's accept queue was full
 * (TcpExt ListenOverflows), counted over a measured window. With
 * `tcp_abort_on_overflow` 0 the client believes it is connected and sends,
 * the server side accepts only after retransmissions with backoff, seconds
 * later: such connections show up as stalls with no echo at all, in blocks of
 * connections opened together. The counter is the network namespace's, so
 * other listeners there count too; on a machine given to the benchmark that
 * is the server under test.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type ListenQueueCounters, OperatingSystem, type OperatingSystemService } from "./OperatingSystem.ts"

/** The counters in the network namespace of `pid` (ours by default); none where unreadable. */
export const listenQueueReading = (pid: number | "self" = "self") =>
  Effect.flatMap(OperatingSystem, (os) => os.listenQueue(pid))

/** Overflows between two readings; undefined when either is missing (or the counter went back: a reboot). */
export const overflowsBetween = (
  before: Option.Option<ListenQueueCounters>,
  after: Option.Option<ListenQueueCounters>
): number | undefined =>
  Option.isSome(before) && Option.isSome(after) && after.value.overflows >= before.value.overflows
    ? after.value.overflows - before.value.overflows
    : undefined

/**
 * Runs `effect` between two readings in `pid`'s namespace, on `system` when the server is on another host:
 * its result and the overflows during it.
 */
export const countingOverflows = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  pid: number | "self" = "self",
  system?: OperatingSystemService
) =>
  Effect.gen(function* () {
    const read = system === undefined ? listenQueueReading(pid) : system.listenQueue(pid)
    const before = yield* read
    const result = yield* effect
    const after = yield* read
    return { result, listenOverflows: overflowsBetween(before, after) }
  })

/** A server at this address is on this machine, in our namespace: the counters read here are its. */
export const isLoopbackHost = (host: string) => /^(127\.|::1$|localhost$)/.test(host)

/** What a failed or stalled result adds when the kernel dropped handshakes during it; empty otherwise. */
export const overflowAdvice = (overflows: number | undefined): string =>
  overflows === undefined || overflows === 0
    ? ""
    : `; the kernel dropped ${overflows} ${overflows === 1 ? "handshake" : "handshakes"} because a listen (accept) queue was full (TcpExt ListenOverflows): those clients retransmit with backoff and get no echo for seconds. Raise net.core.somaxconn (\`npm run doctor -- --tune\`) and the server's backlog, or make the server accept faster (several listeners or processes on the port)`
