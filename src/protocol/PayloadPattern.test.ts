import { describe, expect, it } from "vitest"
import { expectedByte, expectedView, PATTERN_LENGTH, patternBytes, positionOf } from "./PayloadPattern.ts"

describe("PayloadPattern", () => {
  it("starts with the bytes the C client also produces", () => {
    expect(Array.from(patternBytes().subarray(0, 8))).toEqual([81, 224, 123, 1, 230, 249, 186, 252])
  })

  it("is stored twice so any span below the period is one view", () => {
    const p = patternBytes()
    expect(p.length).toBe(2 * PATTERN_LENGTH)
    expect(p[PATTERN_LENGTH + 12345]).toBe(p[12345])
    const view = expectedView(7, PATTERN_LENGTH - 10, 100)
    for (let i = 0; i < 100; i++) expect(view[i]).toBe(expectedByte(7, PATTERN_LENGTH - 10 + i))
  })

  it("differs between connections at the same offset", () => {
    const a = expectedView(0, 4096, 32)
    const b = expectedView(1, 4096, 32)
    expect(Array.from(a)).not.toEqual(Array.from(b))
    expect(positionOf(0, 0)).not.toBe(positionOf(1, 0))
  })

  it("differs from itself shifted by one byte", () => {
    const a = expectedView(3, 0, 64)
    const shifted = expectedView(3, 1, 64)
    let same = 0
    for (let i = 0; i < 64; i++) if (a[i] === shifted[i]) same++
    expect(same).toBeLessThan(8)
  })
})
