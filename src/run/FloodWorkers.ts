/**
 * Flood workers: one flood split over W processes, usually on W client hosts
 * (a Kubernetes Indexed Job, say). Worker I floods the I-th share of the
 * connections: it opens them all, waits for the common start time, sends and
 * verifies, and prints its partial result; `merge` combines the partials.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type FloodOptions, InvalidOption } from "../engine/FloodOptions.ts"

/** @category models */
export interface WorkerChoice {
  readonly workers: number
  readonly index: number
  readonly startAtMs: number | undefined
}

/** Connections of worker `index` of `workers`: the first `total % workers` take one more. */
export const workerShare = (total: number, workers: number, index: number): number =>
  Math.floor(total / workers) + (index < total % workers ? 1 : 0)

/** How far ahead a start time may lie: past this it is more likely a unit mistake (seconds for ms). */
const MAX_WAIT_MS = 3_600_000

/** Checks the worker options together, before any connect. */
export const decideWorkers = (
  workers: Option.Option<number>,
  index: Option.Option<number>,
  startAt: Option.Option<number>,
  connections: number,
  nowMs: number
): Effect.Effect<WorkerChoice | undefined, InvalidOption> =>
  Effect.gen(function* () {
    if (Option.isNone(workers) && Option.isNone(index) && Option.isNone(startAt)) return undefined
    const of = Option.getOrElse(workers, () => 1)
    if (Option.isSome(index) && Option.isNone(workers)) {
      return yield* new InvalidOption({
        option: "worker-index",
        value: index.value,
        problem: "needs the number of workers",
        fix: "Add --workers W (the worker index runs from 0 to W-1)"
      })
    }
    const at = Option.getOrElse(index, () => 0)
    if (at >= of) {
      return yield* new InvalidOption({
        option: "worker-index",
        value: at,
        problem: `is not below --workers ${of}`,
        fix: `Give an index from 0 to ${of - 1}`
      })
    }
    if (connections < of) {
      return yield* new InvalidOption({
        option: "workers",
        value: of,
        problem: `leaves some of the ${of} workers without a connection (--connections ${connections})`,
        fix: `Use at most ${connections} workers, or more connections`
      })
    }
    const startAtMs = Option.getOrUndefined(startAt)
    if (startAtMs !== undefined && startAtMs - nowMs > MAX_WAIT_MS) {
      return yield* new InvalidOption({
        option: "start-at",
        value: startAtMs,
        problem: `lies ${((startAtMs - nowMs) / 60000).toFixed(0)} minutes ahead`,
        fix: "Give milliseconds since the epoch a little ahead of now, e.g. --start-at $(( $(date +%s%3N) + 30000 ))"
      })
    }
    return { workers: of, index: at, startAtMs }
  })

/** This worker's flood: its share of the connections, held until the start time. */
export const workerFloodOptions = (options: FloodOptions, choice: WorkerChoice, nowMs: number): FloodOptions => {
  const waitSeconds = choice.startAtMs === undefined ? 0 : Math.max(0, (choice.startAtMs - nowMs) / 1000)
  return {
    ...options,
    connections: workerShare(options.connections, choice.workers, choice.index),
    barrier: options.barrier || choice.startAtMs !== undefined,
    startAtMs: choice.startAtMs,
    // The wait for the start is not the server's time.
    timeoutSeconds: options.timeoutSeconds + waitSeconds
  }
}
