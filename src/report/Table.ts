/**
 * A table as every view sees it, and its three renderings: Markdown, HTML
 * and plain text for a terminal. Views build a `Table`; none renders one
 * itself, so a cell reads the same in every format.
 */
import type { CellStatus } from "../run/RunFile.ts"

/** How a table cell is drawn in HTML; Markdown and text show the same thing through its text. */
export type Tone = CellStatus | "clientBound"

export interface TableCell {
  readonly text: string
  readonly tone?: Tone
  /** Longer text for a hover (HTML title). */
  readonly title?: string
}

export interface Table {
  readonly header: ReadonlyArray<string>
  /** Right-aligned columns. */
  readonly numeric: ReadonlyArray<boolean>
  readonly rows: ReadonlyArray<ReadonlyArray<TableCell>>
}

/** A table of plain strings; `numeric` says which columns are right-aligned. */
export const plainTable = (
  header: ReadonlyArray<string>,
  numeric: ReadonlyArray<boolean>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): Table => ({ header, numeric, rows: rows.map((cells) => cells.map((text) => ({ text }))) })

/** Text from run.json must not end a table cell, open an HTML tag or break a row. */
export const escapeMarkdown = (text: string) =>
  text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\r?\n/g, " ")

export const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

export const markdownTable = (table: Table): string => {
  const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  return [
    row(table.header.map(escapeMarkdown)),
    row(table.numeric.map((right) => (right ? "---:" : "---"))),
    ...table.rows.map((cells) => row(cells.map((c) => escapeMarkdown(c.text))))
  ].join("\n")
}

/** Uses report.html's classes: table-wrap, num, and the tone (failed, skipped, pending, clientBound). */
export const htmlTable = (table: Table): string => {
  const head = `<thead><tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>`
  const rows = table.rows.map((cells) => {
    const tds = cells.map((cell, i) => {
      const classes = [table.numeric[i] ? "num" : "", cell.tone !== undefined && cell.tone !== "ok" ? cell.tone : ""]
        .filter((c) => c !== "")
        .join(" ")
      const cls = classes === "" ? "" : ` class="${classes}"`
      const title = cell.title !== undefined ? ` title="${escapeHtml(cell.title)}"` : ""
      return `<td${cls}${title}>${escapeHtml(cell.text)}</td>`
    })
    return `<tr>${tds.join("")}</tr>`
  })
  return `<div class="table-wrap"><table>${head}<tbody>${rows.join("\n")}</tbody></table></div>`
}

/** Aligned columns for a terminal, no value cut, with a rule under the header; the last column is not padded. */
export const alignedRows = (table: Table): ReadonlyArray<string> => {
  const texts = table.rows.map((cells) => cells.map((c) => c.text))
  const widths = table.header.map((h, i) => Math.max(h.length, ...texts.map((r) => (r[i] ?? "").length)))
  const last = table.header.length - 1
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (table.numeric[i] ? c.padStart(widths[i]!) : i === last ? c : c.padEnd(widths[i]!))).join("  ")
  // A long last column (reasons, notes) gets a short rule rather than one as wide as its longest value.
  const rule = widths.map((w, i) =>
    "-".repeat(i === last && !table.numeric[i] ? Math.min(w, Math.max(table.header[i]!.length, 40)) : w)
  )
  return [line(table.header), rule.join("  "), ...texts.map(line)]
}

/** Aligned columns for a terminal, under a title line. */
export const textTable = (title: string, table: Table): string => [title, ...alignedRows(table)].join("\n")

const isTableLine = (line: string) => line.startsWith("| ") && line.endsWith(" |")
const cellsOf = (line: string) =>
  line
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.replace(/\\\|/g, "|").replace(/&lt;/g, "<").replace(/\\\\/g, "\\").trim())

/** Markdown for a terminal: its tables drawn as aligned columns, every value whole; other lines unchanged. */
export const markdownForTerminal = (markdown: string): string => {
  const out: Array<string> = []
  const lines = markdown.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const separator = lines[i + 1]
    if (!isTableLine(lines[i]!) || separator === undefined || !/^\|( ?-+:? \|)+$/.test(separator)) {
      out.push(lines[i]!)
      continue
    }
    const header = cellsOf(lines[i]!)
    const numeric = cellsOf(separator).map((c) => c.endsWith(":"))
    const rows: Array<ReadonlyArray<string>> = []
    for (i += 2; i < lines.length && isTableLine(lines[i]!); i++) rows.push(cellsOf(lines[i]!))
    i--
    out.push(...alignedRows(plainTable(header, numeric, rows)))
  }
  return out.join("\n")
}
