import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { repeatFlood } from "../run/FloodRepetitions.ts"
import { floodWarnings, formatRepetitions } from "./FloodSummary.ts"

/** Three measured floods of 0.2, 0.1 and 0.4 s after a warm-up, summarized as `flood --repetitions 3 --warmup 1` does. */
const seconds = [0.5, 0.2, 0.1, 0.4]
const repeated = Effect.runSync(
  repeatFlood(
    Effect.sync(() => ({ ok: true, seconds: seconds.shift()!, mbPerSecond: 1 })),
    3,
    1,
    () => Effect.void
  )
)
const repetitions = repeated.repetitions!

describe("flood --repetitions --warmup, printed", () => {
  it("lists the measured repetitions and their min, median, max and spread", () => {
    const text = formatRepetitions(repetitions)
    expect(text).toContain("3 repetitions after 1 warm-up")
    expect(text).toContain("min 0.100 s, median 0.200 s, max 0.400 s, spread 300%")
  })

  it("warns when the repetitions spread over 20%", () => {
    expect(floodWarnings({ ok: true, seconds: 0.1, mbPerSecond: 10 }, repetitions)).toEqual([
      expect.stringContaining("the repetitions spread 300%, over 20%")
    ])
  })

  it("warns under 10 ms measured, and not above", () => {
    expect(floodWarnings({ ok: true, seconds: 0.004, mbPerSecond: 1 }, undefined)).toEqual([
      expect.stringContaining("measured 4.0 ms, under 10 ms")
    ])
    expect(floodWarnings({ ok: true, seconds: 0.05, mbPerSecond: 1 }, undefined)).toEqual([])
  })
})
