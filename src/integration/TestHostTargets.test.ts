/**
 * Every target listens where it is told (`{host}` in its target.json): each
 * one started inside a test host on the host's 198.18.x.2 address, ready,
 * flooded from outside over the veth link with every byte verified, stopped,
 * and the namespace gone afterwards. Needs root; a missing toolchain skips
 * the target as in the conformance test.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layer as nodeTransport } from "../../adapters/node/NodeTransport.ts"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { capture } from "../system/CapturedCommand.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { vethPlace } from "../targets/ServerPlace.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"
import { skipUnavailable } from "../testing/TargetChecks.ts"

const env = Layer.merge(Layer.provideMerge(LinuxSystem.layer, NodeContext.layer), nodeTransport)
const targets = await Effect.runPromise(discoverTargets().pipe(Effect.provide(env)))

const namespaces = Effect.map(capture(["ip", "netns", "list"]), (r) => r.stdout)

describe.skipIf(skipWithoutRoot)("every target in a test host (needs root)", () => {
  it("every manifest's start command says where to listen", () => {
    for (const { manifest } of targets) {
      expect(manifest.start.join(" "), manifest.name).toContain("{host}")
      if (manifest.processes?.start !== undefined) expect(manifest.processes.start, manifest.name).toContain("{host}")
    }
  })

  for (const target of targets) {
    it.live(
      target.manifest.name,
      (ctx) =>
        Effect.gen(function* () {
          yield* skipUnavailable(ctx, target)
          const { pid, namespace } = yield* Effect.scoped(
            Effect.gen(function* () {
              const place = yield* vethPlace({})
              const server = yield* launchTarget(target, { place })
              expect(place.host).toMatch(/^198\.1[89]\.\d+\.2$/)
              const report = yield* runFlood({
                ...defaultFloodOptions,
                host: place.host,
                port: server.port,
                connections: 10,
                bytesPerConnection: 256 * 1024,
                window: defaultFloodOptions.chunk,
                timeoutSeconds: 60
              })
              expect(report.ok, `${JSON.stringify(report.errorDetails)}\n${server.stderrTail()}`).toBe(true)
              expect(report.bytesVerified).toBe(10 * 256 * 1024)
              return { pid: server.pid, namespace: place.testHost!.namespace }
            })
          )
          const fs = yield* FileSystem.FileSystem
          expect(yield* fs.exists(`/proc/${pid}`), `${target.manifest.name} (pid ${pid}) still running`).toBe(false)
          expect(yield* namespaces).not.toContain(namespace)
        }).pipe(Effect.provide(env)),
      120_000
    )
  }
})
