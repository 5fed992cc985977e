import { describe, expect, it } from "vitest"
import { pathNotesOf } from "./ServerProcess.ts"

describe("pathNotesOf", () => {
  it("reads both notes of serve's listening line whole, parentheses included", () => {
    const line =
      "echoflood serve: node 20.20.2 listening on 127.0.0.1:39111 (backlog 32768, reads: internal onread (shared buffer), writes: net.Socket write (no handle writes: no WriteWrap))"
    expect(pathNotesOf(line)).toEqual({
      readPath: "internal onread (shared buffer)",
      writePath: "net.Socket write (no handle writes: no WriteWrap)"
    })
  })

  it("stops a note at the next comma, and finds none where none is printed", () => {
    expect(pathNotesOf("x listening on 127.0.0.1:1 (backlog 5, reads: core ops, 2 accept queues)")).toEqual({
      readPath: "core ops",
      writePath: undefined
    })
    expect(pathNotesOf("listening on 127.0.0.1:1")).toEqual({ readPath: undefined, writePath: undefined })
  })
})
