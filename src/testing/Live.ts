/**
 * The real platform and OS service for tests that start processes, read
 * /proc or open sockets: what the CLI gets on Node, nothing mocked.
 */
import { NodeContext } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { YieldWrap } from "effect/Utils"
import type { TestContext } from "vitest"
import { layer as nodeTransport } from "../../adapters/node/NodeTransport.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"

/** The platform and the OS service as the CLI gets them, on Node. */
export const nodeLive = Layer.provideMerge(LinuxSystem.layer, NodeContext.layer)

/** The same with Node's sockets, for tests that flood or serve in-process. */
export const nodeLiveWithSockets = Layer.merge(nodeLive, nodeTransport)

/**
 * Tests on the real platform and OS: `liveTest(name, function* (ctx) { … }, timeout)`
 * runs the body as an Effect generator, scoped (children and temporary files
 * go when it ends), with `layer`.
 */
export const liveTestsOn =
  <Services>(layer: Layer.Layer<Services>) =>
  <A>(
    name: string,
    body: (ctx: TestContext) => Generator<YieldWrap<Effect.Effect<unknown, unknown, Services | Scope.Scope>>, A, never>,
    timeout?: number
  ) =>
    it.live(
      name,
      (ctx) =>
        // Scope and `layer` are exactly what the body may need, so nothing is left to provide.
        Effect.gen(() => body(ctx)).pipe(Effect.scoped, Effect.provide(layer)) as Effect.Effect<A, unknown>,
      timeout
    )

/** Tests on the platform and the OS service. */
export const liveTest = liveTestsOn(nodeLive)

/** Whether a process with this PID still exists. */
export const isAlive = (pid: number) =>
  Effect.flatMap(OperatingSystem, (os) =>
    os.process(pid).pipe(
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
  )

/** A stop that waited out the 1 s grace, then sent SIGKILL: at least the grace, and no hang. */
export const expectKilledAfterGrace = (ms: number) => {
  expect(ms).toBeGreaterThanOrEqual(1000)
  expect(ms).toBeLessThan(4000)
}
