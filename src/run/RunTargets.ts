/** How a run records its targets: what each is, its version, and whether it can run here. */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { checkAvailable, readVersion, type Target } from "../targets/TargetRegistry.ts"
import type { TargetInfo } from "./RunFile.ts"

export const targetInfo = (target: Target) =>
  Effect.gen(function* () {
    const available = yield* Effect.either(checkAvailable(target))
    const m = target.manifest
    return {
      name: m.name,
      displayName: m.displayName,
      kind: m.kind,
      language: m.language,
      framework: m.framework,
      version: Either.isRight(available) ? yield* readVersion(target) : "-",
      available: Either.isRight(available),
      reason: Either.isLeft(available) ? available.left.message : undefined,
      noDelay: m.noDelay,
      notes: m.notes
    } satisfies TargetInfo
  })
