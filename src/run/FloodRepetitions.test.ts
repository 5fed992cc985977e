import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { repeatFlood, type Timed } from "./FloodRepetitions.ts"

/** Floods that take the given seconds in turn (ok unless negative). */
const floods = (seconds: ReadonlyArray<number>) => {
  let i = 0
  return Effect.sync((): Timed => {
    const s = seconds[i++]!
    return { ok: s >= 0, seconds: Math.abs(s), mbPerSecond: 1 / Math.abs(s) }
  })
}

describe("flood --repetitions --warmup", () => {
  it.effect("leaves the warm-ups out and summarizes the measured floods as a compare cell", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const log = (line: string) => Effect.sync(() => void lines.push(line))
      const { result, repetitions } = yield* repeatFlood(floods([0.5, 0.2, 0.1, 0.4]), 3, 1, log)
      expect(result.seconds).toBe(0.1)
      expect(repetitions).toMatchObject({ warmup: 1, seconds: [0.2, 0.1, 0.4], minSeconds: 0.1, maxSeconds: 0.4 })
      expect(repetitions?.medianSeconds).toBe(0.2)
      expect(repetitions?.spread).toBeCloseTo(3)
      expect(lines[0]).toBe("warm-up 1/1: 0.500 s (not counted)")
    })
  )

  it.effect("stops at the first failed flood and reports it", () =>
    Effect.gen(function* () {
      const repeated = yield* repeatFlood(floods([0.2, -0.3, 0.1]), 3, 0, () => Effect.void)
      expect(repeated.result).toMatchObject({ ok: false, seconds: 0.3 })
      expect(repeated.repetitions).toBeUndefined()
    })
  )
})
