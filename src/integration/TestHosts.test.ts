/**
 * `flood --network veth`: our server in a test host behind a 200 Mbit/s link,
 * the client outside. Every byte verified, no faster than the link, and the
 * namespace gone afterwards. Needs root: skipped with the reason otherwise.
 */
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import { liveTest } from "../testing/Live.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"
import { parseReport, runCli, stderrBeyondBusyWarning } from "./Harness.ts"

const ourNamespaces = Effect.map(capture(["ip", "netns", "list"]), (r) =>
  r.stdout.split("\n").filter((line) => line.startsWith("echoflood-"))
)

describe.skipIf(skipWithoutRoot)("flood over a veth link to a test host (needs root)", () => {
  liveTest(
    "verifies every byte at no more than the link's rate and leaves no namespace",
    function* () {
      const before = yield* ourNamespaces
      const run = yield* runCli("node", [
        "flood",
        "--network",
        "veth",
        "--link-rate",
        "200mbit",
        "--connections",
        "10",
        "--bytes",
        "524288",
        "--json"
      ])
      expect(stderrBeyondBusyWarning(run.stderr)).toBe("")
      const report = parseReport(run.stdout)
      expect(report.ok).toBe(true)
      expect(report.bytesVerified).toBe(10 * 524288)
      expect(report.host).toMatch(/^198\.1[89]\./)
      expect(report.network).toEqual({ kind: "veth", rateBitsPerSecond: 2e8 })
      // Echoed payload crosses the link once each way; the bucket allows a little burst.
      expect((report.mbPerSecond * 8e6) / 2e8).toBeLessThanOrEqual(1.05)
      expect(yield* ourNamespaces).toEqual(before)
    },
    60_000
  )

  liveTest(
    "a link option without --network veth is a usage error before any traffic",
    function* () {
      const run = yield* runCli("node", ["flood", "--link-rate", "1gbit", "-n", "1"])
      expect(run.exitCode).not.toBe(0)
      expect(run.stdout + run.stderr).toContain("--network veth")
    },
    60_000
  )
})
