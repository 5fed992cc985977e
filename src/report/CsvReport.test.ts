import { describe, expect, it } from "vitest"
import { CSV_COLUMNS, csvField, renderCsv } from "./CsvReport.ts"
import { FAILED, fixtureRun, fixtureSampleCount, SKIPPED } from "./fixtures/run.ts"

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
const parseCsv = (text: string): Array<Array<string>> => {
  const records: Array<Array<string>> = []
  let record: Array<string> = []
  let field = ""
  let i = 0
  let quoted = false
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
      } else if (ch === '"') {
        quoted = false
        i++
      } else {
        field += ch
        i++
      }
    } else if (ch === '"') {
      if (field !== "") throw new Error(`quote inside an unquoted field at ${i}`)
      quoted = true
      i++
    } else if (ch === ",") {
      record.push(field)
      field = ""
      i++
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(field)
      records.push(record)
      record = []
      field = ""
      i += 2
    } else if (ch === "\n" || ch === "\r") {
      throw new Error(`bare line break at ${i}`)
    } else {
      field += ch
      i++
    }
  }
  if (quoted) throw new Error("unterminated quote")
  if (field !== "" || record.length > 0) throw new Error("last record without CRLF")
  return records
}

describe("renderCsv", () => {
  const run = fixtureRun()
  const records = parseCsv(renderCsv(run))
  const [header, ...rows] = records
  const col = (name: (typeof CSV_COLUMNS)[number]) => header!.indexOf(name)

  it("has a row per sample plus a row per cell without samples", () => {
    expect(header).toEqual([...CSV_COLUMNS])
    const withoutSamples = run.cells.filter((c) => c.samples.length === 0).length
    expect(withoutSamples).toBe(9)
    expect(rows).toHaveLength(fixtureSampleCount(run) + withoutSamples)
    expect(rows).toHaveLength(99)
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length)
  })

  it("keeps measurements unrounded and marks warm-ups and client-bound samples", () => {
    const sample = run.cells.find(
      (c) => c.target === "c-epoll" && c.connections === 1000 && c.bytesPerConnection === 524288
    )!.samples[1]!
    const row = rows.find(
      (r) =>
        r[col("target")] === "c-epoll" &&
        r[col("connections")] === "1000" &&
        r[col("bytesPerConnection")] === "524288" &&
        r[col("repetition")] === "1"
    )!
    expect(Number(row[col("seconds")])).toBe(sample.flood.seconds)
    expect(Number(row[col("mbPerSecond")])).toBe(sample.flood.mbPerSecond)
    expect(row[col("warmup")]).toBe("false")
    expect(row[col("clientBound")]).toBe("true")
    expect(row[col("clientCoreBusyPercent")]).toBe("100")
    expect(row[col("latencyP99Ms")]).toBe("1.25")
    expect(rows.filter((r) => r[col("warmup")] === "true")).toHaveLength(22 + 1)
  })

  it("gives failed and skipped cells their reason, quoted where it holds a comma", () => {
    const failed = rows.filter((r) => r[col("status")] === "failed")
    expect(failed).toHaveLength(2)
    for (const r of failed) expect(r[col("reason")]).toBe(FAILED.reason)
    expect(failed.find((r) => r[col("floodOk")] === "false")![col("errors")]).toBe("stalled=3")
    const skipped = rows.filter((r) => r[col("status")] === "skipped")
    expect(skipped).toHaveLength(9)
    expect(skipped.find((r) => r[col("target")] === "node")![col("reason")]).toBe(SKIPPED.reason)
    expect(skipped.find((r) => r[col("target")] === "node")![col("seconds")]).toBe("")
    expect(renderCsv(run)).toContain(`,"${FAILED.reason}"\r\n`)
  })

  it("quotes quotes and line breaks (RFC 4180)", () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField("a\nb")).toBe('"a\nb"')
    expect(csvField("plain")).toBe("plain")
    expect(csvField(Number.NaN)).toBe("")
    const reason = 'server said "no",\r\nthen closed'
    const odd = fixtureRun({
      cells: fixtureRun().cells.map((c) => (c.status === "skipped" && c.target === "node" ? { ...c, reason } : c))
    })
    const back = parseCsv(renderCsv(odd))
    expect(back.find((r) => r[col("target")] === "node" && r[col("status")] === "skipped")![col("reason")]).toBe(reason)
  })
})
