/**
 * runs/index.html: every run folder with a run.json, newest first: when it
 * started, host and kernel, the runtimes and versions it measured, its
 * headline, whether it is complete, and a link to its report. A folder whose
 * run.json cannot be read is listed with the reason. Written by
 * `report --index` and refreshed after every `compare`.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { formatCount, formatMbPerSecond, formatSize } from "../run/NumberFormat.ts"
import type { RunFile } from "../run/RunFile.ts"
import { loadRun, RUN_FILE } from "../run/RunStore.ts"
import { writeAtomically } from "../system/AtomicFile.ts"
import { headlineCell, runtimeGroup } from "./Headline.ts"
import { STYLE } from "./HtmlParts.ts"
import type { TableCell } from "./ReportBlocks.ts"
import { resultGrid, statusCounts } from "./ResultGrid.ts"
import { escapeHtml, htmlTable } from "./Table.ts"

export const INDEX_FILE = "index.html"

export interface IndexEntry {
  readonly folder: string
  readonly run: RunFile | undefined
  /** Why run.json could not be read, when it could not. */
  readonly problem: string | undefined
  readonly hasReport: boolean
}

/** Runtimes and languages with the versions the run's targets reported, e.g. "Node.js v20.20.2". */
const versions = (run: RunFile) => {
  const seen = new Map<string, Set<string>>()
  for (const t of run.targets.filter((t) => t.available)) {
    const group = runtimeGroup(t)
    seen.set(group, (seen.get(group) ?? new Set()).add(t.version))
  }
  return [...seen].map(([group, vs]) => `${group} ${[...vs].join(" / ")}`).join("; ")
}

const headlineText = (run: RunFile) => {
  const grid = resultGrid(run)
  const h = headlineCell(grid)
  if (h === undefined) return "no finished cell"
  const first = h.ranked[0]!
  return `${first.label} ${formatMbPerSecond(first.mbPerSecond)} MB/s at ${formatCount(h.connections)} × ${formatSize(h.bytes)}${h.ranked.length > 1 ? `, ahead of ${h.ranked[1]!.label}` : ""}`
}

/** The index page for the given entries. */
export const renderRunIndex = (entries: ReadonlyArray<IndexEntry>): string => {
  const rows = entries.map((e): ReadonlyArray<TableCell> => {
    const link = e.hasReport ? `${e.folder}/report.html` : `${e.folder}/${RUN_FILE}`
    if (e.run === undefined) {
      return [
        { text: e.folder },
        { text: "" },
        { text: "" },
        { text: "" },
        { text: "" },
        { text: e.problem ?? "", tone: "failed" },
        { text: link }
      ]
    }
    const r = e.run
    const counts = statusCounts(resultGrid(r))
    return [
      { text: e.folder },
      { text: r.startedAt.replace("T", " ").replace(/\.\d+Z$/, "Z") },
      { text: `${r.environment.host} · ${r.environment.kernel}` },
      { text: versions(r) },
      { text: headlineText(r) },
      r.complete
        ? { text: `complete: ${counts.ok} ok, ${counts.failed} failed, ${counts.skipped} skipped`, tone: "ok" }
        : {
            text: `incomplete: ${counts.pending} of ${counts.ok + counts.failed + counts.skipped + counts.pending} not measured`,
            tone: "pending"
          },
      { text: link }
    ]
  })
  // Links are added after escaping: the table renderer only writes text.
  const table = htmlTable({
    header: ["run", "started", "host · kernel", "runtimes and versions", "headline", "status", "report"],
    numeric: [false, false, false, false, false, false, false],
    rows
  }).replace(
    /<td>([^<]*\/(?:report\.html|run\.json))<\/td>/g,
    (_m, href: string) => `<td><a href="${href}">${href.endsWith("report.html") ? "report" : "run.json"}</a></td>`
  )
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>echoflood runs</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>echoflood runs</h1>
<p>${escapeHtml(`${entries.length} run${entries.length === 1 ? "" : "s"}, newest first. The headline is the fastest target at the largest cell whose fastest target was limited by the server, not the client.`)}</p>
${table}
</main>
</body>
</html>
`
}

/** Reads every run folder under `runsDir` and writes `runsDir/index.html`; returns its path. */
export const writeRunIndex = (runsDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = (yield* fs.readDirectory(runsDir)).sort().reverse()
    const entries: Array<IndexEntry> = []
    for (const folder of names) {
      const dir = path.join(runsDir, folder)
      // A file (index.html itself) or an unreadable entry is not a run folder.
      if (!(yield* fs.exists(path.join(dir, RUN_FILE)).pipe(Effect.orElseSucceed(() => false)))) continue
      const read = yield* Effect.either(loadRun(dir))
      entries.push({
        folder,
        run: read._tag === "Right" ? read.right : undefined,
        problem: read._tag === "Left" ? read.left.problem.split("\n")[0] : undefined,
        hasReport: yield* fs.exists(path.join(dir, "report.html"))
      })
    }
    return yield* writeAtomically(path.join(runsDir, INDEX_FILE), renderRunIndex(entries))
  })

/** Rewrites the index of the folder that holds the run folder `runDir`. */
export const refreshRunIndex = (runDir: string) =>
  Effect.flatMap(Path.Path, (path) => writeRunIndex(path.dirname(path.resolve(runDir))))
