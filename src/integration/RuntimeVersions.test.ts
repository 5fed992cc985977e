/**
 * A second Node major installed by `npm run setup:runtimes -- node@24`:
 * flood with client and server on it reports 24.x for both. Without it the
 * test is skipped with the command that installs it; in CI
 * (ECHOFLOOD_REQUIRE_ALL=1, set by .ci/run, which installs it) it fails.
 */
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { repoRoot } from "../targets/Runtimes.ts"
import { findInstalled } from "../targets/RuntimeVersions.ts"
import { liveTest } from "../testing/Live.ts"
import { skipMissing } from "../testing/SkipMissing.ts"
import { parseReport, runCli } from "./Harness.ts"

describe("runtime versions from npm", () => {
  liveTest(
    "flood --client node@24 --server node@24 runs both on Node 24",
    function* (ctx) {
      const installed = yield* Effect.either(findInstalled(repoRoot, "node@24"))
      if (Either.isLeft(installed)) return yield* skipMissing(ctx, installed.left.message)
      const run = yield* runCli("node", [
        "flood",
        "--client",
        "node@24",
        "--server",
        "node@24",
        "--connections",
        "20",
        "--bytes",
        "65536",
        "--json"
      ])
      expect(run.exitCode, run.stderr).toBe(0)
      const report = parseReport(run.stdout)
      expect(report).toMatchObject({ ok: true, runtime: "node", connectionsCompleted: 20 })
      expect(report.runtimeVersion).toMatch(/^24\.\d+\.\d+$/)
      expect(report.runtimeVersion).toBe(installed.right.version)
      // Node 24 still has the binding the adapter's handle writes need (see adapters/node/TcpHandle.ts).
      expect(report.writePath).toBe("TCP handle writeBuffer")
      const { server } = Schema.decodeUnknownSync(
        Schema.parseJson(
          Schema.Struct({ server: Schema.Struct({ runtime: Schema.String, runtimeVersion: Schema.String }) })
        )
      )(run.stdout)
      expect(server).toEqual({ runtime: "node@24", runtimeVersion: installed.right.version })
    },
    120_000
  )

  liveTest(
    "a version that is not installed fails before any traffic, naming the setup command",
    function* () {
      const run = yield* runCli("node", ["flood", "--client", "node@7.1", "--connections", "1", "--json"])
      expect(run.exitCode).toBe(3)
      expect(run.stdout).toBe("")
      expect(run.stderr).toContain("node@7.1 is not installed")
      expect(run.stderr).toContain("run `npm run setup:runtimes -- node@7.1`")
    },
    60_000
  )

  liveTest(
    "setup --runtimes with a version npm does not have lists the versions that exist",
    function* (ctx) {
      const run = yield* runCli("node", ["setup", "--runtimes", "node@99"])
      if (run.stderr.includes("is the npm registry reachable"))
        return yield* skipMissing(ctx, `the npm registry is not reachable: ${run.stderr.trim()}`)
      expect(run.exitCode, run.stderr).toBe(2)
      expect(run.stderr).toContain("node@99: npm has no such version of node; versions that exist")
      expect(run.stderr).toMatch(/24\.\d+\.\d+ \(24\.x\)/)
    },
    60_000
  )
})
