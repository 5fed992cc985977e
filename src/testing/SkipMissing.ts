/**
 * Tests of something this machine lacks (a framework's toolchain, Chromium,
 * the C compiler) are skipped with the reason, so `npm test` passes on a
 * fresh machine after `npm ci` alone; SkipReasons lists the reasons at the
 * end of the run. With ECHOFLOOD_REQUIRE_ALL=1 (set by .ci/run, which
 * installs everything) such a skip is a failure instead.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import type { TestContext } from "vitest"

export const requireAll = process.env.ECHOFLOOD_REQUIRE_ALL === "1"

/** @category errors */
export class RequiredButMissing extends Error {
  override readonly name = "RequiredButMissing"
}

/**
 * Skips the running test with `reason`, or fails it when everything is
 * required. Return its result from the test so nothing after it runs.
 */
export const skipMissing = (ctx: TestContext, reason: string) =>
  requireAll
    ? Effect.fail(new RequiredButMissing(`${reason} (ECHOFLOOD_REQUIRE_ALL=1: nothing may be skipped)`))
    : Effect.sync(() => {
        // @effect/vitest rethrows vitest's skip signal as another error, which drops its note; the runner keeps this one.
        const result = ctx.task.result as { note?: string } | undefined
        if (result !== undefined) result.note = reason
        ctx.skip(reason)
      })

/** Skips the running test, as `skipMissing` does, unless `path` exists. */
export const skipWithoutFile = (ctx: TestContext, path: string, reason: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path)).pipe(
    Effect.flatMap((found) => (found ? Effect.void : skipMissing(ctx, reason)))
  )

/**
 * For `describe.skipIf`: tests that create test hosts (network namespaces) or
 * run sshd need root; without it they are skipped, unless everything is required.
 */
export const skipWithoutRoot = process.getuid?.() !== 0 && !requireAll
