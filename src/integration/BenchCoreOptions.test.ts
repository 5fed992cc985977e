/**
 * bench-core refuses what it cannot measure before it writes a run: a target
 * outside its set, a client that is not a TS runtime, a part it does not have.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { runCli } from "./Harness.ts"

const refusals: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
  [
    ["--targets", "node,go-copy"],
    "--targets node,go-copy: bench-core measures our servers and its yardstick only, not go-copy"
  ],
  [["--servers", "bogus"], "--targets bogus: bench-core measures our servers and its yardstick only, not bogus"],
  [
    ["--clients", "node,native", "--parts", "b"],
    "--clients node,native: the TS clients are node, deno, bun, not native"
  ],
  [["--parts", "cx"], "--parts cx: must name only a, b, c, d"]
]

describe("bench-core options", () => {
  for (const [args, message] of refusals) {
    it.live(
      `refuses ${args.join(" ")} before anything runs`,
      () =>
        Effect.gen(function* () {
          const run = yield* runCli("node", ["bench-core", ...args])
          expect(run.exitCode).toBe(2)
          expect(run.stderr).toContain(message)
          expect(run.stdout + run.stderr).not.toContain("bench:core →")
        }).pipe(Effect.provide(NodeContext.layer)),
      30_000
    )
  }
})
