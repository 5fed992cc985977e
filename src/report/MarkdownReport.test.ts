import { describe, expect, it } from "vitest"
import { CLIENT_BOUND, CONNECTIONS, FAILED, fixtureRun, SKIPPED } from "./fixtures/run.ts"
import { renderMarkdown } from "./MarkdownReport.ts"

/** The table right after a heading: its rows split into trimmed cells. */
const tableAfter = (markdown: string, heading: string) => {
  const start = markdown.indexOf(`\n${heading}\n`)
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0)
  const lines = markdown.slice(start + heading.length + 2).split("\n")
  const first = lines.findIndex((l) => l.startsWith("|"))
  const rows: Array<Array<string>> = []
  for (const line of lines.slice(first)) {
    if (!line.startsWith("|")) break
    rows.push(
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.trim())
    )
  }
  const after = lines.slice(first + rows.length).join("\n")
  return { header: rows[0]!, body: rows.slice(2), after: after.slice(0, after.indexOf("\n#")) }
}

describe("renderMarkdown", () => {
  const md = renderMarkdown(fixtureRun())

  it("titles the run with its id and completeness", () => {
    expect(md.split("\n")[0]).toBe("# echoflood run 2025-11-26T14-00-00_bench")
    expect(md).toContain("**Complete: 22 ok, 1 failed, 9 skipped, 0 not measured, of 32 cells.**")
    const interrupted = renderMarkdown(
      fixtureRun({ complete: false, interruptedAt: "2025-11-26T14:05:00.000Z", cells: fixtureRun().cells.slice(0, 20) })
    )
    expect(interrupted).toContain("**Interrupted at 2025-11-26T14:05:00.000Z: ")
    expect(interrupted).toContain("pending [")
    expect(interrupted).toContain("not measured: the run was interrupted at 2025-11-26T14:05:00.000Z")
  })

  it("has one table per size with a row per target and no empty cell", () => {
    for (const size of ["32 KiB", "512 KiB"]) {
      const table = tableAfter(md, `### ${size} per connection`)
      expect(table.header).toHaveLength(1 + CONNECTIONS.length)
      expect(table.body.map((r) => r[0])).toEqual(["C epoll", "Go io.Copy", "Node.js node:net", "Erlang gen_tcp"])
      for (const row of table.body) {
        expect(row).toHaveLength(1 + CONNECTIONS.length)
        for (const cell of row.slice(1))
          expect(cell).toMatch(/^(\S+ s · \d+ MB\/s( ‡)?( ≈)?|FAILED \[\d\]|skipped \[\d\])$/)
      }
    }
  })

  it("marks the client-bound cell and explains the mark", () => {
    const table = tableAfter(md, "### 512 KiB per connection")
    const row = table.body.find((r) => r[0] === "C epoll")!
    expect(row[1 + CONNECTIONS.indexOf(CLIENT_BOUND.connections)]).toBe("0.364 s · 1439 MB/s ‡")
    expect(table.after).toContain("- ‡ client-bound: the client's core, not the server's, was the bottleneck")
    expect(table.after).toContain("the server may be faster than shown")
    // Only the 512 KiB table has a client-bound cell, so only it carries the legend.
    expect(tableAfter(md, "### 32 KiB per connection").after).not.toContain("‡")
  })

  it("gives failed and skipped cells a footnote with the reason", () => {
    const table = tableAfter(md, "### 512 KiB per connection")
    const cellOf = (target: string, n: (typeof CONNECTIONS)[number]) =>
      table.body.find((r) => r[0] === target)![1 + CONNECTIONS.indexOf(n)]!
    const failed = cellOf("Go io.Copy", FAILED.connections).match(/^FAILED (\[\d\])$/)![1]!
    const skipped = cellOf("Node.js node:net", SKIPPED.connections).match(/^skipped (\[\d\])$/)![1]!
    expect(table.after).toContain(`- ${failed} FAILED (Go io.Copy at 1000 connections): ${FAILED.reason}`)
    expect(table.after).toContain(`- ${skipped} skipped (Node.js node:net at 1000 connections): ${SKIPPED.reason}`)
    expect(table.after).toMatch(
      /- \[\d\] skipped \(Erlang gen_tcp, every connection count\): erl not found: install erlang-nox/
    )
  })

  it("reports server resources, spread, targets with notes, environment and options", () => {
    const resources = tableAfter(md, "512 KiB per connection:")
    expect(resources.header.join(" | ")).toBe(
      "target | connections | min s | server CPU s | context switches | peak RSS MiB | KiB / conn. above idle | server core busy | client core busy"
    )
    expect(resources.body.find((r) => r[0] === "C epoll")).toEqual([
      "C epoll",
      "1\u2009000",
      "0.364 ‡",
      "0.292",
      "14\u2009000",
      "43",
      // Peak RSS above the one-connection cell's (the fixture records no idle RSS), per connection.
      "≈ 36",
      "55%",
      "100%"
    ])
    expect(md).toContain("Median spread over 22 cells: 5%")
    expect(md).toContain("- Go io.Copy: io.Copy(conn, conn) uses splice(2) & holds a pipe pair")
    // Angle brackets from run.json are escaped, not taken for HTML.
    expect(md).toContain("&lt;no Effect per chunk>")
    for (const text of [
      "| kernel | Linux 6.1.0-40-cloud-amd64",
      "| CPU | AMD EPYC 7B13 |",
      "| cores | 2 |",
      "| memory | 8.0 GiB |",
      "| client runtime | node v20.20.2 |",
      "| open files (soft / hard) | 1024 / 20000 |",
      "| git commit | a0ace6a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6 |",
      "| net.ipv4.ip_local_port_range | 21000 61000 |",
      "| repetitions | 3 + 1 warm-up |",
      "| server CPUs | 0 |"
    ]) {
      expect(md).toContain(text)
    }
  })

  it("links the charts only when told where they are", () => {
    expect(md).not.toContain("![")
    expect(renderMarkdown(fixtureRun(), { chartPath: (name) => `${name}.svg` })).toContain(
      "![Echoed MB/s by connection count, 512 KiB per connection](throughput-524288.svg)"
    )
  })

  it("escapes a pipe in text from run.json so it cannot split a table cell", () => {
    const run = fixtureRun()
    const odd = renderMarkdown({
      ...run,
      targets: run.targets.map((t) => (t.name === "node" ? { ...t, displayName: "Node | raw" } : t))
    })
    expect(odd).toContain("| Node \\| raw | ")
  })
})
