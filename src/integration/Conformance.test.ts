/**
 * Every target: started on a free loopback port, ready (one verified echo),
 * flooded by our TS client (50 connections × 512 KiB, every byte verified),
 * stopped, and gone afterwards. A missing toolchain skips the target here and
 * fails it under ECHOFLOOD_REQUIRE_ALL=1, which .ci/run sets after installing every package.
 */
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { nodeLiveWithSockets } from "../testing/Live.ts"
import { eachTarget, expectTargetsNamed, launchFloodStop } from "../testing/TargetChecks.ts"

const env = nodeLiveWithSockets
const targets = await Effect.runPromise(discoverTargets().pipe(Effect.provide(env)))

describe("target conformance", () => {
  it("finds every target of the original benchmark and ours", () => {
    expectTargetsNamed(targets, [
      "node",
      "deno",
      "bun",
      "node-raw",
      "deno-raw",
      "bun-raw",
      "go-copy",
      "go-buffer",
      "erlang",
      "erlang-nodelay",
      "twisted",
      "eventlet",
      "eventlet-nodelay",
      "python-threads",
      "python-threads-nodelay",
      "c-epoll"
    ])
  })

  eachTarget(targets, 120_000, (target) =>
    launchFloodStop(target, {}, { connections: 50, bytesPerConnection: 512 * 1024 })
  )
})
