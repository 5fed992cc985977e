/**
 * Every target listens where it is told (`{host}` in its target.json): each
 * one started inside a test host on the host's 198.18.x.2 address, ready,
 * flooded from outside over the veth link with every byte verified, stopped,
 * and the namespace gone afterwards. Needs root; a missing toolchain skips
 * the target as in the conformance test.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import { vethPlace } from "../targets/ServerPlace.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { nodeLiveWithSockets } from "../testing/Live.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"
import { eachTarget, launchFloodStop } from "../testing/TargetChecks.ts"

const targets = await Effect.runPromise(discoverTargets().pipe(Effect.provide(nodeLiveWithSockets)))

const namespaces = Effect.map(capture(["ip", "netns", "list"]), (r) => r.stdout)

describe.skipIf(skipWithoutRoot)("every target in a test host (needs root)", () => {
  it("every manifest's start command says where to listen", () => {
    for (const { manifest } of targets) {
      expect(manifest.start.join(" "), manifest.name).toContain("{host}")
      if (manifest.processes?.start !== undefined) expect(manifest.processes.start, manifest.name).toContain("{host}")
    }
  })

  eachTarget(targets, 120_000, (target) =>
    Effect.gen(function* () {
      const namespace = yield* Effect.scoped(
        Effect.gen(function* () {
          const place = yield* vethPlace({})
          expect(place.host).toMatch(/^198\.1[89]\.\d+\.2$/)
          yield* launchFloodStop(
            target,
            { place },
            { host: place.host, connections: 10, bytesPerConnection: 256 * 1024 }
          )
          return place.testHost!.namespace
        })
      )
      expect(yield* namespaces).not.toContain(namespace)
    })
  )
})
