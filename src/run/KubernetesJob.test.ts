/**
 * The Kubernetes manifest of the flood workers (adapters/kubernetes) must be
 * an Indexed Job whose pods each run one share of the flood: the worker
 * index from JOB_COMPLETION_INDEX, as many workers as completions, one pod
 * per node, a CPU request, and the image the container definition builds.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { parse } from "yaml"
import { repoRoot } from "../targets/Runtimes.ts"

const Container = Schema.Struct({
  name: Schema.String,
  image: Schema.String,
  command: Schema.Array(Schema.String),
  args: Schema.Array(Schema.String),
  resources: Schema.Struct({ requests: Schema.Struct({ cpu: Schema.String }) })
})

const IndexedJob = Schema.Struct({
  apiVersion: Schema.Literal("batch/v1"),
  kind: Schema.Literal("Job"),
  spec: Schema.Struct({
    completionMode: Schema.Literal("Indexed"),
    completions: Schema.Int,
    parallelism: Schema.Int,
    template: Schema.Struct({
      spec: Schema.Struct({
        restartPolicy: Schema.Literal("Never"),
        affinity: Schema.Struct({
          podAntiAffinity: Schema.Struct({
            requiredDuringSchedulingIgnoredDuringExecution: Schema.NonEmptyArray(
              Schema.Struct({ topologyKey: Schema.Literal("kubernetes.io/hostname") })
            )
          })
        }),
        containers: Schema.Tuple(Container)
      })
    })
  })
})

describe("flood workers on Kubernetes", () => {
  it.effect("the manifest is an Indexed Job running one share of the flood per pod", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const text = yield* fs.readFileString(`${repoRoot}/adapters/kubernetes/flood-workers.yaml`)
      const job = Schema.decodeUnknownSync(IndexedJob)(parse(text))
      expect(job.spec.parallelism).toBe(job.spec.completions)
      const [container] = job.spec.template.spec.containers
      const script = container.args.join(" ")
      expect(script).toContain('--worker-index "$JOB_COMPLETION_INDEX"')
      expect(script).toContain(`--workers ${job.spec.completions} `)
      expect(script).toMatch(/--start-at "\$START_AT"/)
      expect(script).toContain("--json")
      expect(container.image.split(":")[0]).toBe("echoflood")
      const dockerfile = yield* fs.readFileString(`${repoRoot}/adapters/container/Dockerfile`)
      expect(dockerfile).toMatch(/^FROM node:20-bookworm/m)
      expect(dockerfile).toContain("-t echoflood")
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
