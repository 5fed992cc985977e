import { describe, expect, it } from "vitest"
import { equalRange } from "./NativeCompare.ts"

describe("equalRange", () => {
  const source = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 255)

  it("matches a range of the source at any offset, including one ending at its last byte", () => {
    for (const start of [0, 1, 1000, 4096 - 300]) {
      expect(equalRange(source.slice(start, start + 300), source, start)).toBe(true)
    }
  })

  it("finds a byte that differs, first, middle or last, and a shift by one", () => {
    for (const at of [0, 150, 299]) {
      const bytes = source.slice(1000, 1300)
      bytes[at]! ^= 1
      expect(equalRange(bytes, source, 1000)).toBe(false)
    }
    expect(equalRange(source.slice(1001, 1301), source, 1000)).toBe(false)
  })

  it("throws on a range beyond the source instead of comparing fewer bytes", () => {
    expect(() => equalRange(source.slice(0, 10), source, 4090)).toThrow()
  })
})
