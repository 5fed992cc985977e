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

/** Aligned columns for a terminal, under a title line, with a rule under the header. */
export const textTable = (title: string, table: Table): string => {
  const texts = table.rows.map((cells) => cells.map((c) => c.text))
  const widths = table.header.map((h, i) => Math.max(h.length, ...texts.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (table.numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ")
  return [title, line(table.header), widths.map((w) => "-".repeat(w)).join("  "), ...texts.map(line)].join("\n")
}
