/**
 * What `compare` prints when it ends: the report's first sections (the
 * ranking and what the run shows) as plain text, so the answer is on the
 * terminal and report.md holds the rest. Skipped targets are left out of the
 * ranking here: the run's start already listed each with its reason.
 */
import type { RunFile } from "../run/RunFile.ts"
import type { Block } from "./ReportBlocks.ts"
import { reportDocument } from "./ReportDocument.ts"
import { alignedRows } from "./Table.ts"

const SHOWN_SECTIONS = new Set(["headline", "shows", "then-and-now"])

const renderBlock = (block: Block): string | undefined => {
  switch (block._tag) {
    case "Paragraph":
      return block.text
    case "Table":
      return alignedRows({
        ...block.table,
        rows: block.table.rows.filter((cells) => !cells.some((c) => c.tone === "skipped"))
      }).join("\n")
    case "Notes":
      return block.notes.map((n) => `${n.marker} ${n.text}`).join("\n")
    case "List":
      return block.items.map((item) => `- ${item}`).join("\n")
    case "Chart":
      return undefined
  }
}

export const terminalSummary = (run: RunFile): string => {
  const doc = reportDocument(run)
  const parts: Array<string> = [doc.status]
  for (const section of doc.sections.filter((s) => SHOWN_SECTIONS.has(s.id))) {
    parts.push(section.heading.toUpperCase())
    for (const block of section.blocks) {
      const text = renderBlock(block)
      if (text !== undefined) parts.push(text)
    }
  }
  return parts.join("\n\n")
}
