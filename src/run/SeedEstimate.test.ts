import { describe, expect, it } from "vitest"
import { cellSeconds } from "./SeedPreset.ts"

describe("the seed preset's time estimate", () => {
  it("takes a 32,768 cell's time as measured here, not scaled from 16,384", () => {
    // Erlang served 32,768 × 512 KiB in 112 s; its 16,384 throughput would say under 40 s.
    expect(cellSeconds("erlang", 32768, 524288)).toBeGreaterThan(100)
    expect(cellSeconds("erlang", 16384, 524288)).toBeLessThan(25)
    // A target without a measured 32k figure still gets the throughput model.
    const unknown = cellSeconds("no-such-target", 32768, 524288)
    expect(unknown).toBeGreaterThan((32768 * 524288) / 500e6)
  })
})
