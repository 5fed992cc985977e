/**
 * The saturation phase of a compare run: each available target in turn,
 * where the matrix ran its servers, saved to run.json after each.
 */
import * as Effect from "effect/Effect"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import type { ServerPlace } from "../targets/ServerPlace.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import { Transport } from "../transport/Transport.ts"
import { readLimits } from "./Preflight.ts"
import type { RunFile } from "./RunFile.ts"
import { saveRun } from "./RunStore.ts"
import { saturationRunOptions } from "./SaturationOptions.ts"
import { saturateTargetOrReport } from "./SaturationTarget.ts"
import { saturationConnections } from "./SeedPreset.ts"

/**
 * The saturation phase: each available target in turn, saved to run.json
 * after each; on --resume, targets already saturated are not run again.
 */
export const saturationPhase = (
  run: RunFile,
  dir: string,
  selected: ReadonlyArray<Target>,
  durationSeconds: number,
  log: (line: string) => Effect.Effect<void>,
  place: ServerPlace,
  /** Saturation pins one core per side: the first of each side's list. */
  cores: { readonly server: number; readonly client: number }
) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const connections = saturationConnections(run, yield* readLimits)
    const client = run.options.client as RuntimeSpec | "native"
    let current = run
    for (const target of selected) {
      const info = run.targets.find((t) => t.name === target.manifest.name)
      if (info === undefined || !info.available) continue
      if ((current.saturation ?? []).some((r) => r.target === target.manifest.name)) continue
      yield* log(
        `saturating ${target.manifest.name}: ${connections} connections, ${durationSeconds} s, ${client} client…`
      )
      const result = yield* saturateTargetOrReport(
        target,
        saturationRunOptions(connections, client, {
          probe: transport.runtime.name,
          durationSeconds,
          serverCore: cores.server,
          clientCore: cores.client,
          onProgress: (line) => log(`  ${line}`),
          host: place.host,
          place
        })
      )
      current = { ...current, saturation: [...(current.saturation ?? []), result] }
      yield* saveRun(dir, current)
    }
    return current
  })
