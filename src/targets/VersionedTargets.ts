/**
 * Our servers on another version of their runtime: `node@24` is the
 * Effect-core server (target `node`) on Node 24, `node-raw@24` the raw
 * node:net server on it. A versioned target is its base manifest with the
 * runtime's binary swapped for the one `setup --runtimes` installed; nothing
 * else changes, so the two run the same code side by side.
 */
import * as Effect from "effect/Effect"
import type { RuntimeName } from "../transport/Transport.ts"
import { repoRoot } from "./Runtimes.ts"
import { findInstalled, type InstalledRuntime, listInstalled, type RuntimeSpec } from "./RuntimeVersions.ts"
import { discoverTargets, selectTargets, type Target, UnknownTarget } from "./TargetRegistry.ts"

/** The JS runtime a target's server runs on, when it is one of ours (its start command begins with `{node}` etc.). */
export const targetRuntime = (target: Target): RuntimeName | undefined => {
  if (target.manifest.kind === "external") return undefined
  const first = target.manifest.start[0]
  return first === "{node}" ? "node" : first === "{bun}" ? "bun" : first === "{deno}" ? "deno" : undefined
}

/** The base target's name of a versioned one ("node-raw@24" → "node-raw"), or the name itself. */
export const baseTargetName = (name: string) => name.split("@")[0]!

/** A target's runtime version as asked ("node-raw@24" → "24"), or undefined for a bare name. */
export const targetVersionAsked = (name: string): string | undefined => name.split("@")[1]

/** `base` on the installed version, named `<base>@<version as asked>`. */
export const versionedTarget = (base: Target, install: InstalledRuntime, asked: string): Target => ({
  ...base,
  manifest: {
    ...base.manifest,
    name: `${base.manifest.name}@${asked}`,
    displayName: `${base.manifest.displayName} (${install.runtime} ${install.version})`
  },
  runtimeSpec: install.spec
})

/** Every target, then each of ours again on every runtime version installed under build/runtimes. */
export const discoverTargetsWithVersions = (root: string = repoRoot) =>
  Effect.gen(function* () {
    const targets = yield* discoverTargets(root)
    const installs = yield* listInstalled(root)
    const versioned = installs.flatMap((install) =>
      targets
        .filter((t) => targetRuntime(t) === install.runtime)
        .map((t) => versionedTarget(t, install, install.spec.slice(install.runtime.length + 1)))
    )
    return [...targets, ...versioned]
  })

/**
 * Picks targets by name like `selectTargets`; a name with a version
 * (`node@24`, `bun-raw@1.4.4`) is its base target on that installed version.
 */
export const selectTargetsWithVersions = (all: ReadonlyArray<Target>, names: ReadonlyArray<string>) =>
  Effect.forEach(names, (name) =>
    Effect.gen(function* () {
      const asked = targetVersionAsked(name)
      if (asked === undefined) return (yield* selectTargets(all, [name]))[0]!
      const base = all.find((t) => t.manifest.name === baseTargetName(name))
      const runtime = base === undefined ? undefined : targetRuntime(base)
      if (base === undefined || runtime === undefined) {
        const versionable = all.filter((t) => targetRuntime(t) !== undefined).map((t) => t.manifest.name)
        return yield* new UnknownTarget({
          name,
          known: [
            ...all.map((t) => t.manifest.name),
            `and with a runtime version (setup --runtimes) any of ${versionable.join(", ")}, e.g. ${versionable[0] ?? "node"}@24`
          ]
        })
      }
      const install = yield* findInstalled(repoRoot, `${runtime}@${asked}` as RuntimeSpec)
      return versionedTarget(base, install, asked)
    })
  )
