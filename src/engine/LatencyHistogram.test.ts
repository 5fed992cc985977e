import { describe, expect, it } from "@effect/vitest"
import * as hdr from "hdr-histogram-js"
import { LatencyHistogram } from "./LatencyHistogram.ts"

/** A deterministic spread of round trips, from 1 µs to about a minute, with a long tail. */
const values = (count: number): Array<number> => {
  let state = 12345
  const out: Array<number> = []
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    const u = state / 2 ** 31
    out.push(Math.max(1, Math.round(Math.exp(u * u * 18))))
  }
  return out
}

describe("LatencyHistogram", () => {
  it("reads the percentiles an HdrHistogram with 3 significant digits reads, capped at the max", () => {
    const reference = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true })
    const ours = new LatencyHistogram()
    for (const v of values(50_000)) {
      reference.recordValue(v)
      ours.record(v)
    }
    expect(ours.count).toBe(reference.totalCount)
    expect(ours.max).toBe(reference.maxValue)
    for (const p of [1, 10, 50, 90, 99, 99.9, 99.99, 100]) {
      expect(ours.valueAt(p)).toBe(Math.min(reference.getValueAtPercentile(p), reference.maxValue))
    }
  })

  it("never reports a percentile above the max (one value in a wide bucket)", () => {
    const h = new LatencyHistogram()
    h.record(123_457)
    const p = h.percentiles()
    expect(p.p999).toBeLessThanOrEqual(p.max)
    expect(p.p50).toBe(123.457)
    expect(p.max).toBe(123.457)
  })

  it("is empty as zeros, counts sub-microsecond values as 1, and merges", () => {
    const a = new LatencyHistogram()
    expect(a.percentiles()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 })
    a.recordMillis(0.0002)
    const b = new LatencyHistogram()
    b.record(5000)
    a.merge(b)
    expect(a.count).toBe(2)
    expect(a.valueAt(50)).toBe(1)
    expect(a.valueAt(100)).toBe(5000)
  })
})
