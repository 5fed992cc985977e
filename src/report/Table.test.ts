import { describe, expect, it } from "@effect/vitest"
import { countOf } from "../run/NumberFormat.ts"
import { alignedRows, markdownForTerminal, plainTable } from "./Table.ts"

describe("terminal tables", () => {
  it("aligns every column to its longest value and cuts none", () => {
    const reason =
      "missing: `go version` failed: go not found; run `npm run setup:frameworks` (apt-get install golang-go)"
    const lines = alignedRows(
      plainTable(
        ["target", "connections", "status"],
        [false, true, false],
        [
          ["go-copy", "1", reason],
          ["node", "32768", "ok"]
        ]
      )
    )
    expect(lines[0]).toBe("target   connections  status")
    expect(lines[2]).toBe(`go-copy            1  ${reason}`)
    expect(lines[3]).toBe("node           32768  ok")
  })

  it("draws a Markdown table as columns and leaves other lines alone", () => {
    const md = [
      "# title",
      "",
      "| target | MB/s |",
      "| --- | ---: |",
      "| Node \\| raw | 5 |",
      "| C epoll | 1439 |",
      "",
      "after"
    ].join("\n")
    expect(markdownForTerminal(md).split("\n")).toEqual([
      "# title",
      "",
      "target      MB/s",
      "----------  ----",
      "Node | raw     5",
      "C epoll     1439",
      "",
      "after"
    ])
  })

  it("names one thing in the singular", () => {
    expect(countOf(1, "connection")).toBe("1 connection")
    expect(countOf(2, "connection")).toBe("2 connections")
    expect(countOf(1, "open file")).toBe("1 open file")
    expect(countOf(3, "server process", "server processes")).toBe("3 server processes")
  })
})
