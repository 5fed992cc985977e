/** report.md: the run as GitHub-flavoured Markdown, readable raw in a terminal as well. */
import type { RunFile } from "../run/RunFile.ts"
import type { Block } from "./ReportBlocks.ts"
import { reportDocument } from "./ReportDocument.ts"
import { saturationChartFileName } from "./SaturationCharts.ts"
import { renderSaturationMarkdown } from "./SaturationMarkdown.ts"
import { escapeMarkdown, markdownTable } from "./Table.ts"

export interface MarkdownOptions {
  /**
   * Where a chart's SVG is, by chart name, relative to report.md. Without it
   * the report has no images, since Markdown cannot inline an SVG portably.
   */
  readonly chartPath?: (name: string) => string
}

const renderBlock = (block: Block, options: MarkdownOptions): string | undefined => {
  switch (block._tag) {
    case "Paragraph":
      return escapeMarkdown(block.text)
    case "Table":
      return markdownTable(block.table)
    case "Notes":
      return block.notes.map((n) => `- ${n.marker} ${escapeMarkdown(n.text)}`).join("\n")
    case "List":
      return block.items.map((item) => `- ${escapeMarkdown(item)}`).join("\n")
    case "Chart":
      return options.chartPath === undefined
        ? undefined
        : `![${escapeMarkdown(block.title)}](${encodeURI(options.chartPath(block.name))})`
  }
}
export const renderMarkdown = (run: RunFile, options: MarkdownOptions = {}): string => {
  const doc = reportDocument(run)
  const parts = [`# ${escapeMarkdown(doc.title)}`, `**${escapeMarkdown(doc.status)}**`]
  for (const section of doc.sections) {
    parts.push(`${"#".repeat(section.level)} ${escapeMarkdown(section.heading)}`)
    for (const block of section.blocks) {
      const text = renderBlock(block, options)
      if (text !== undefined) parts.push(text)
    }
  }
  const saturation = run.saturation ?? []
  if (saturation.length > 0) parts.push(renderSaturationMarkdown(saturation, { chartPath: saturationChartFileName }))
  return `${parts.join("\n\n")}\n`
}
