/**
 * A saturation run of a target: launched pinned to the server core,
 * saturated, stopped; or, when it cannot start, a "failed" result with the
 * reason so a suite records it and goes on.
 */
import * as Effect from "effect/Effect"
import { launchTarget } from "../targets/TargetLauncher.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import { type SaturationRunOptions, settingsOf } from "./SaturationOptions.ts"
import type { SaturationResult } from "./SaturationResult.ts"
import { saturateServer } from "./SaturationRun.ts"
import { steadySummary } from "./SteadyStats.ts"

/**
 * Launches a target pinned to the server core, saturates it, and stops it.
 * Fails only when the target cannot start (unavailable, build, readiness)
 * or a worker's runtime is missing; the caller reports those and moves on.
 */
export const saturateTarget = (target: Target, options: SaturationRunOptions) =>
  Effect.gen(function* () {
    const cores = options.serverCores ?? [options.serverCore]
    const server = yield* launchTarget(target, {
      ...(options.place === undefined ? { host: options.host } : { place: options.place }),
      cpus: cores
    })
    yield* (options.onProgress ?? (() => Effect.void))(
      `${target.manifest.name}: server pid ${server.pid} on ${options.host}:${server.port}, ${cores.length === 1 ? "core" : "cores"} ${cores.join(",")}`
    )
    return yield* saturateServer(target.manifest.name, server, options)
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
