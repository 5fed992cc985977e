/**
 * A saturation run of a target: launched pinned to the server core,
 * saturated, stopped; or, when it cannot start, a "failed" result with the
 * reason so a suite records it and goes on. Past what one process holds
 * here, the target runs as K processes sharing its port and the client as
 * several processes, planned as flood plans them.
 */
import * as Effect from "effect/Effect"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import { readLimits } from "./Preflight.ts"
import { serverSideOf } from "./ProcessPlan.ts"
import { type SaturationRunOptions, settingsOf } from "./SaturationOptions.ts"
import type { SaturationResult } from "./SaturationResult.ts"
import { saturateServer } from "./SaturationRun.ts"
import { describePlan, freshSourceAddresses, splitVerdict } from "./SplitFlood.ts"
import { steadySummary } from "./SteadyStats.ts"

/** The processes per side for this target and connection count; undefined when one each holds them. */
export const saturationPlan = (target: Target, options: SaturationRunOptions) =>
  Effect.gen(function* () {
    const limits = yield* readLimits
    const verdict = splitVerdict(limits, options.connections, {
      ...serverSideOf(target.manifest),
      ...(options.serverProcesses === undefined ? {} : { serverProcesses: options.serverProcesses }),
      ...(options.clientProcesses === undefined ? {} : { clientProcesses: options.clientProcesses })
    })
    if (verdict === undefined) return undefined
    const fail = (problem: string, fix: string) =>
      new InvalidOption({ option: "connections", value: options.connections, problem, fix })
    if (verdict._tag === "Impossible") {
      return yield* fail(verdict.reason, "Saturate a target that can share its port, or fewer connections.")
    }
    if (verdict.plan.sourceAddresses > 1 && options.client !== "native") {
      return yield* fail(
        `needs ${verdict.plan.sourceAddresses} source addresses here, which only the native saturating client binds`,
        "Use --client native, or widen ip_local_port_range with `doctor --tune`."
      )
    }
    return { plan: freshSourceAddresses(verdict.plan, Date.now()), limits }
  })

/**
 * Launches a target pinned to the server core, saturates it, and stops it.
 * Fails only when the target cannot start (unavailable, build, readiness,
 * no plan for the connections) or a worker's runtime is missing; the caller
 * reports those and moves on.
 */
export const saturateTarget = (target: Target, options: SaturationRunOptions) =>
  Effect.gen(function* () {
    const progress = options.onProgress ?? (() => Effect.void)
    const cores = options.serverCores ?? [options.serverCore]
    const split = yield* saturationPlan(target, options)
    const forced = options.serverProcesses !== undefined || options.clientProcesses !== undefined
    if (split !== undefined) {
      yield* progress(describePlan(split.plan, options.connections, split.limits, true, forced))
    }
    const server = yield* launchTarget(target, {
      ...(options.place === undefined ? { host: options.host } : { place: options.place }),
      cpus: cores,
      ...(split === undefined || split.plan.serverProcesses === 1 ? {} : { processes: split.plan.serverProcesses })
    })
    const pids = server.pids.length > 1 ? `pids ${server.pids.join(", ")}` : `pid ${server.pid}`
    yield* progress(
      `${target.manifest.name}: server ${pids} on ${options.host}:${server.port}, ${cores.length === 1 ? "core" : "cores"} ${cores.join(",")}`
    )
    return yield* saturateServer(
      target.manifest.name,
      server,
      split === undefined ? options : { ...options, processPlan: split.plan }
    )
  }).pipe(Effect.scoped)

/** A result for a target that could not be saturated at all (it did not start, or a runtime is missing). */
export const notStartedResult = (targetName: string, options: SaturationRunOptions, why: string): SaturationResult => ({
  target: targetName,
  status: "failed",
  reason: why,
  startedAt: new Date().toISOString(),
  settings: settingsOf(options),
  server: { pid: 0 },
  steady: steadySummary([], 0, undefined),
  samples: []
})

/**
 * `saturateTarget` that never fails: a target that cannot start gives a
 * "failed" result with the reason, so a suite can record it and go on.
 */
export const saturateTargetOrReport = (target: Target, options: SaturationRunOptions) =>
  saturateTarget(target, options).pipe(
    Effect.catchAll((error) => Effect.succeed(notStartedResult(target.manifest.name, options, error.message)))
  )
