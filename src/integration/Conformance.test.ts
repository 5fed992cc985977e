/**
 * Every target: started on a free loopback port, ready (one verified echo),
 * flooded by our TS client (50 connections × 512 KiB, every byte verified),
 * stopped, and gone afterwards. A missing toolchain skips the target here and
 * fails it under ECHOFLOOD_REQUIRE_ALL=1, which .ci/run sets after installing every package.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { nodeLiveWithSockets } from "../testing/Live.ts"
import { skipUnavailable } from "../testing/TargetChecks.ts"

const env = nodeLiveWithSockets
const targets = await Effect.runPromise(discoverTargets().pipe(Effect.provide(env)))

describe("target conformance", () => {
  it("finds every target of the original benchmark and ours", () => {
    const names = targets.map((t) => t.manifest.name)
    for (const name of [
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
    ]) {
      expect(names).toContain(name)
    }
  })

  for (const target of targets) {
    it.live(
      target.manifest.name,
      (ctx) =>
        Effect.gen(function* () {
          yield* skipUnavailable(ctx, target)
          const pid = yield* Effect.scoped(
            Effect.gen(function* () {
              const server = yield* launchTarget(target)
              const report = yield* runFlood({
                ...defaultFloodOptions,
                port: server.port,
                connections: 50,
                bytesPerConnection: 512 * 1024,
                window: defaultFloodOptions.chunk,
                timeoutSeconds: 60
              })
              expect(
                report.ok,
                `${target.manifest.name}: ${JSON.stringify(report.errorDetails)}\nstderr:\n${server.stderrTail()}`
              ).toBe(true)
              expect(report.bytesVerified).toBe(50 * 512 * 1024)
              return server.pid
            })
          )
          const fs = yield* FileSystem.FileSystem
          expect(yield* fs.exists(`/proc/${pid}`), `${target.manifest.name} (pid ${pid}) still running`).toBe(false)
        }).pipe(Effect.provide(env)),
      120_000
    )
  }
})
