/** Per-target tests: skipped with the install hint when this machine lacks the target's toolchain. */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { TestContext } from "vitest"
import { checkAvailable, type Target } from "../targets/TargetRegistry.ts"
import { skipMissing } from "./SkipMissing.ts"

/** Skips the running test, as `skipMissing` does, when the target cannot run here. */
export const skipUnavailable = (ctx: TestContext, target: Target) =>
  Effect.flatMap(Effect.either(checkAvailable(target)), (available) =>
    Either.isLeft(available) ? skipMissing(ctx, available.left.message) : Effect.void
  )
