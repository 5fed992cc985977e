import { describe, expect, it } from "vitest"
import { expectedView } from "./PayloadPattern.ts"
import { verify } from "./Verifier.ts"

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])
const stream = (connection: number, offset: number, length: number) => expectedView(connection, offset, length).slice()

describe("Verifier", () => {
  it("accepts the pattern at any offset", () => {
    expect(verify(equal, 5, 1000, stream(5, 1000, 4096))).toBeUndefined()
  })

  it("reports a flipped bit as corrupted with offset, expected and received byte", () => {
    const bytes = stream(2, 32768, 4096)
    bytes[100] ^= 0x10
    expect(verify(equal, 2, 32768, bytes)).toEqual({
      kind: "corrupted",
      offset: 32868,
      expected: bytes[100]! ^ 0x10,
      received: bytes[100],
      shift: 0
    })
  })

  it("reports a dropped byte as missing-bytes", () => {
    const full = stream(1, 0, 4096)
    const dropped = new Uint8Array([...full.subarray(0, 500), ...full.subarray(501)])
    expect(verify(equal, 1, 0, dropped)).toMatchObject({ kind: "missing-bytes", offset: 500, shift: 1 })
  })

  it("reports an inserted byte as extra-bytes", () => {
    const full = stream(1, 0, 4096)
    const inserted = new Uint8Array([...full.subarray(0, 700), full[700]! ^ 0xff, ...full.subarray(700)])
    expect(verify(equal, 1, 0, inserted)).toMatchObject({ kind: "extra-bytes", offset: 700, shift: 1 })
  })

  it("catches data from another connection", () => {
    expect(verify(equal, 1, 0, stream(2, 0, 1024))).toMatchObject({ kind: "corrupted", offset: 0 })
  })
})
