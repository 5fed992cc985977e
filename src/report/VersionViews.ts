/**
 * Runtime versions side by side: when a run holds one of our servers on
 * several versions of its runtime (`node` on Node 20 beside `node@24`), a
 * table of the same cells per version with each version's time as a ratio
 * to the oldest, and a chart of those ratios. Also the run-vs-run comparison
 * of two targets of one run (`report --compare node,node@24`).
 */
import * as Effect from "effect/Effect"
import type { TopLevelSpec } from "vega-lite"
import { formatRatio, formatSeconds, formatSize } from "../run/NumberFormat.ts"
import type { RunFile } from "../run/RunFile.ts"
import { compareVersions, versionFromOutput } from "../targets/RuntimeVersions.ts"
import { renderSvg } from "./ChartRender.ts"
import { resultGrid } from "./ResultGrid.ts"
import { escapeHtml, escapeMarkdown, htmlTable, markdownTable, plainTable } from "./Table.ts"

/** One target of a group: the base target on one runtime version. */
export interface VersionMember {
  readonly target: string
  /** The exact version its binary reported ("24.21.0"), or the raw version line. */
  readonly version: string
}

/** Every version of one base target in a run, oldest first. */
export interface VersionGroup {
  /** The base target ("node", "node-raw"). */
  readonly base: string
  readonly members: ReadonlyArray<VersionMember>
}

export interface VersionRow {
  readonly connections: number
  readonly bytesPerConnection: number
  /** Minimum seconds per member, in member order; undefined where the cell did not finish. */
  readonly seconds: ReadonlyArray<number | undefined>
}

const baseOf = (name: string) => name.split("@")[0]!

/** Groups of two or more versions of one base target, by the order the run lists them. */
export const versionGroups = (run: RunFile): ReadonlyArray<VersionGroup> => {
  const byBase = new Map<string, Array<VersionMember>>()
  for (const info of run.targets) {
    const version = versionFromOutput(info.version)
    if (version === undefined) continue
    const base = baseOf(info.name)
    if (info.name !== base && !info.name.startsWith(`${base}@`)) continue
    byBase.set(base, [...(byBase.get(base) ?? []), { target: info.name, version }])
  }
  return [...byBase]
    .filter(([, members]) => members.length >= 2)
    .map(([base, members]) => ({
      base,
      members: [...members].sort((a, b) => compareVersions(a.version, b.version))
    }))
}

export const versionRows = (run: RunFile, group: VersionGroup): ReadonlyArray<VersionRow> => {
  const grid = resultGrid(run)
  return grid.sizes.flatMap((bytes) =>
    grid.connections.flatMap((connections) => {
      const seconds = group.members.map((m) => {
        const cell = grid.at(m.target, connections, bytes)
        return cell?.status === "ok" ? cell.summary?.minSeconds : undefined
      })
      return seconds.every((s) => s === undefined) ? [] : [{ connections, bytesPerConnection: bytes, seconds }]
    })
  )
}

const label = (m: VersionMember) => `${m.target} (${m.version})`

const cellName = (row: VersionRow) => `${row.connections} × ${formatSize(row.bytesPerConnection)}`

/** The table of one group: seconds per version, then each newer version's time over the oldest's. */
export const versionTable = (run: RunFile, group: VersionGroup) => {
  const oldest = group.members[0]!
  const header = [
    "cell",
    ...group.members.map((m) => `${label(m)} min s`),
    ...group.members.slice(1).map((m) => `${m.target} / ${oldest.target}`)
  ]
  const rows = versionRows(run, group).map((row): Array<string> => {
    const base = row.seconds[0]
    return [
      cellName(row),
      ...row.seconds.map((s) => (s === undefined ? "–" : formatSeconds(s))),
      ...row.seconds
        .slice(1)
        .map((s) => (s === undefined || base === undefined || base === 0 ? "–" : formatRatio(s / base)))
    ]
  })
  return plainTable(
    header,
    header.map((_, i) => i > 0),
    rows
  )
}

const explain = (group: VersionGroup) =>
  `${group.base} on ${group.members.length} runtime versions, same cells side by side (minimum seconds); a ratio below 1.00× means that version finished faster than the oldest (${label(group.members[0]!)}).`

export const versionChartName = (group: VersionGroup) => `versions-${group.base}`

/** Ratio to the oldest version per cell, the versions as side-by-side bars. */
export const versionChartSpec = (run: RunFile, group: VersionGroup): TopLevelSpec => {
  const base = group.members[0]!
  const values = versionRows(run, group).flatMap((row) =>
    group.members.flatMap((m, i) => {
      const s = row.seconds[i]
      const b = row.seconds[0]
      return s === undefined || b === undefined || b === 0
        ? []
        : [{ cell: cellName(row), version: label(m), ratio: s / b, seconds: s }]
    })
  )
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${group.base}: time per runtime version, relative to ${label(base)}`,
      subtitle: "lower is better; 1.0 is the oldest version"
    },
    width: { step: 14 * group.members.length + 10 },
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x: { field: "cell", type: "nominal", title: "connections × bytes per connection", sort: null },
          xOffset: { field: "version", type: "nominal", sort: group.members.map(label) },
          y: { field: "ratio", type: "quantitative", title: `time / ${base.target} time` },
          color: { field: "version", type: "nominal", title: "version", sort: group.members.map(label) },
          tooltip: [
            { field: "version", type: "nominal" },
            { field: "cell", type: "nominal" },
            { field: "seconds", type: "quantitative", title: "min seconds", format: ".4~g" },
            { field: "ratio", type: "quantitative", format: ".2f" }
          ]
        }
      },
      { mark: { type: "rule", color: "#333", strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } }
    ]
  } as TopLevelSpec
}

/** Every group's chart as SVG, keyed by `versionChartName`. */
export const renderVersionCharts = (run: RunFile) =>
  Effect.forEach(versionGroups(run), (group) =>
    renderSvg(versionChartSpec(run, group), versionChartName(group)).pipe(
      Effect.map((svg) => [versionChartName(group), svg] as const)
    )
  ).pipe(Effect.map((charts): ReadonlyMap<string, string> => new Map(charts)))

/** The Markdown section, or "" when the run has no target on two runtime versions. */
export const renderVersionMarkdown = (run: RunFile, chartPath?: (group: VersionGroup) => string) => {
  const groups = versionGroups(run)
  if (groups.length === 0) return ""
  const parts = ["## Runtime versions"]
  for (const group of groups) {
    parts.push(
      `### ${escapeMarkdown(group.base)}`,
      escapeMarkdown(explain(group)),
      markdownTable(versionTable(run, group))
    )
    if (chartPath !== undefined) parts.push(`![${escapeMarkdown(group.base)} by version](${chartPath(group)})`)
  }
  return `\n${parts.join("\n\n")}\n`
}

/** The HTML section (tables and inline charts), or "". */
export const renderVersionHtml = (run: RunFile, charts: ReadonlyMap<string, string>) => {
  const groups = versionGroups(run)
  if (groups.length === 0) return ""
  const blocks = groups.map((group) => {
    const svg = charts.get(versionChartName(group)) ?? ""
    return `<h3>${escapeHtml(group.base)}</h3>\n<p>${escapeHtml(explain(group))}</p>\n${htmlTable(versionTable(run, group))}\n<figure>${svg}</figure>`
  })
  return `<section id="runtime-versions"><h2>Runtime versions</h2>\n${blocks.join("\n")}</section>\n`
}

/**
 * Two targets of one run as two runs of one target, so the run-vs-run
 * comparison (ratios B / A with its statistics) compares them: A is `a`, B is `b`.
 */
export const splitTargets = (run: RunFile, a: string, b: string): readonly [RunFile, RunFile] => {
  const common = baseOf(a) === baseOf(b) ? baseOf(a) : `${a} → ${b}`
  const displayName = run.targets.find((t) => t.name === a)?.displayName ?? common
  const only = (name: string): RunFile => ({
    ...run,
    id: `${run.id} ${name}`,
    options: { ...run.options, targets: [common] },
    targets: run.targets.filter((t) => t.name === name).map((t) => ({ ...t, name: common, displayName })),
    cells: run.cells.filter((c) => c.target === name).map((c) => ({ ...c, target: common }))
  })
  return [only(a), only(b)] as const
}
