/**
 * The pieces a report is made of (paragraphs, tables, notes, charts in
 * sections), shared by every view that builds a document and every renderer
 * (Markdown, HTML) that draws one.
 */
import type { CellStatus } from "../run/RunFile.ts"
import type { Table, TableCell, Tone } from "./Table.ts"

export type { Table, TableCell, Tone }

export interface Note {
  readonly marker: string
  readonly text: string
}

export type Block =
  | { readonly _tag: "Paragraph"; readonly text: string }
  | { readonly _tag: "Table"; readonly table: Table }
  | { readonly _tag: "Notes"; readonly notes: ReadonlyArray<Note> }
  | { readonly _tag: "List"; readonly items: ReadonlyArray<string> }
  /** A chart by name (its SVG is `<name>.svg`; see charts/FloodCharts.ts). */
  | { readonly _tag: "Chart"; readonly name: string; readonly title: string }

export interface Section {
  readonly id: string
  readonly heading: string
  readonly level: 2 | 3
  readonly blocks: ReadonlyArray<Block>
}

export interface ReportDocument {
  readonly title: string
  readonly status: string
  readonly complete: boolean
  readonly sections: ReadonlyArray<Section>
}

export const CLIENT_BOUND_MARK = "‡"

export const CLIENT_BOUND_LEGEND =
  "client-bound: the client's core, not the server's, was the bottleneck (client core above 90% and busier than the server core), so the server may be faster than shown."

export const statusWord: Record<Exclude<CellStatus, "ok">, string> = {
  failed: "FAILED",
  skipped: "skipped",
  pending: "pending"
}

export const paragraph = (text: string): Block => ({ _tag: "Paragraph", text })
export const table = (t: Table): Block => ({ _tag: "Table", table: t })
