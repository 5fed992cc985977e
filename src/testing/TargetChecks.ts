/** Per-target tests: skipped when this machine lacks the target's toolchain; launched, flooded with every byte verified, stopped. */
import * as FileSystem from "@effect/platform/FileSystem"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { TestContext } from "vitest"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { type LaunchedServer, type LaunchOptions, launchTarget } from "../targets/TargetLauncher.ts"
import { checkAvailable, type Target } from "../targets/TargetRegistry.ts"
import { nodeLiveWithSockets } from "./Live.ts"
import { skipMissing } from "./SkipMissing.ts"

/** Skips the running test, as `skipMissing` does, when the target cannot run here. */
export const skipUnavailable = (ctx: TestContext, target: Target) =>
  Effect.flatMap(Effect.either(checkAvailable(target)), (available) =>
    Either.isLeft(available) ? skipMissing(ctx, available.left.message) : Effect.void
  )

type LiveServices = Layer.Layer.Success<typeof nodeLiveWithSockets>

/**
 * One live test per target, scoped, on the real platform with Node's sockets;
 * skipped where the target cannot run here (`skipUnavailable`).
 */
export const eachTarget = <E>(
  targets: ReadonlyArray<Target>,
  timeout: number,
  test: (target: Target) => Effect.Effect<void, E, Scope.Scope | LiveServices>,
  name: (target: Target) => string = (target) => target.manifest.name
) => {
  for (const target of targets) {
    it.live(
      name(target),
      (ctx) =>
        Effect.gen(function* () {
          yield* skipUnavailable(ctx, target)
          yield* test(target)
        }).pipe(Effect.scoped, Effect.provide(nodeLiveWithSockets)),
      timeout
    )
  }
}

/** Every name in `names` is among the targets found (each one missing is its own failure). */
export const expectTargetsNamed = (targets: ReadonlyArray<Target>, names: ReadonlyArray<string>) => {
  const found = targets.map((t) => t.manifest.name)
  for (const name of names) expect(found).toContain(name)
}

/** A test flood: our TS client, at most one chunk unechoed per connection. */
export interface TestFlood {
  readonly host?: string
  readonly connections: number
  readonly bytesPerConnection: number
}

/** Floods a running target; every byte must come back verified, or the failure shows the errors and the server's stderr. */
export const expectEchoVerified = (
  name: string,
  server: Pick<LaunchedServer, "port" | "stderrTail">,
  flood: TestFlood
) =>
  Effect.gen(function* () {
    const report = yield* runFlood({
      ...defaultFloodOptions,
      ...flood,
      port: server.port,
      window: defaultFloodOptions.chunk,
      timeoutSeconds: 60
    })
    expect(report.ok, `${name}: ${JSON.stringify(report.errorDetails)}\nstderr:\n${server.stderrTail()}`).toBe(true)
    expect(report.bytesVerified).toBe(flood.connections * flood.bytesPerConnection)
  })

/** Launches the target, floods it (`expectEchoVerified`), stops it, and expects its process gone afterwards. */
export const launchFloodStop = (target: Target, launch: LaunchOptions, flood: TestFlood) =>
  Effect.gen(function* () {
    const name = target.manifest.name
    const pid = yield* Effect.scoped(
      Effect.gen(function* () {
        const server = yield* launchTarget(target, launch)
        yield* expectEchoVerified(name, server, flood)
        return server.pid
      })
    )
    const fs = yield* FileSystem.FileSystem
    expect(yield* fs.exists(`/proc/${pid}`), `${name} (pid ${pid}) still running`).toBe(false)
  })
