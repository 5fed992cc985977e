/**
 * Which cell answers "which should I pick?", and the order every legend
 * follows: the largest cell whose fastest target was limited by the server,
 * not by the client, ranked fastest first. Also the grouping by runtime or
 * language (our TypeScript servers by the runtime they ran on).
 */
import type { TargetInfo } from "../run/RunFile.ts"
import { type CellFigures, figuresAt } from "./CellFigures.ts"
import type { ResultGrid } from "./ResultGrid.ts"

export interface HeadlineCell {
  readonly connections: number
  readonly bytes: number
  /** Finished targets there, fastest first. */
  readonly ranked: ReadonlyArray<CellFigures>
  /** Larger cells passed over because their fastest target was client-bound. */
  readonly passedOver: ReadonlyArray<{ readonly connections: number; readonly bytes: number; readonly leader: string }>
}

/** Largest payload first, then most connections: the order in which cells are tried for the headline. */
const largestFirst = (grid: ResultGrid) =>
  [...grid.sizes]
    .reverse()
    .flatMap((bytes) => [...grid.connections].reverse().map((connections) => ({ connections, bytes })))

/**
 * The largest cell with at least two finished targets (one if no cell has
 * two) whose fastest target was not client-bound.
 */
export const headlineCell = (grid: ResultGrid): HeadlineCell | undefined => {
  const cells = largestFirst(grid).map((at) => ({ ...at, ranked: figuresAt(grid, at.connections, at.bytes) }))
  const minimum = cells.some((c) => c.ranked.length >= 2) ? 2 : 1
  const passedOver: Array<{ connections: number; bytes: number; leader: string }> = []
  for (const c of cells) {
    if (c.ranked.length < minimum) continue
    if (c.ranked[0]!.clientBound) {
      passedOver.push({ connections: c.connections, bytes: c.bytes, leader: c.ranked[0]!.label })
      continue
    }
    return { ...c, passedOver }
  }
  return undefined
}

/**
 * Target labels in rank order: by the headline cell, then targets that did
 * not finish there by their best MB/s at the largest cell they did finish.
 * Legends list series in this order.
 */
export const rankOrder = (grid: ResultGrid, headline: HeadlineCell | undefined): ReadonlyArray<string> => {
  const first = headline?.ranked.map((f) => f.target) ?? []
  const rest = grid.targets
    .filter((t) => !first.includes(t.name))
    .map((t) => {
      for (const at of largestFirst(grid)) {
        const f = figuresAt(grid, at.connections, at.bytes).find((x) => x.target === t.name)
        if (f !== undefined) return { name: t.name, reach: at.bytes * 1e9 + at.connections, rate: f.mbPerSecond }
      }
      return { name: t.name, reach: -1, rate: 0 }
    })
    .sort((a, b) => b.reach - a.reach || b.rate - a.rate)
    .map((x) => x.name)
  return [...first, ...rest].map((name) => grid.label(name))
}

const RUNTIMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bbun\b/i, "Bun"],
  [/\bdeno\b/i, "Deno"],
  [/\bnode\b/i, "Node.js"]
]

/** Node.js, Deno or Bun for a JavaScript/TypeScript server, its language otherwise. */
export const runtimeGroup = (target: TargetInfo): string => {
  if (/^(typescript|javascript)$/i.test(target.language)) {
    const text = `${target.name} ${target.framework} ${target.displayName}`.replace(/[^a-z]+/gi, " ")
    for (const [pattern, runtime] of RUNTIMES) if (pattern.test(text)) return runtime
  }
  return target.language
}

export interface BestPerGroup {
  readonly connections: number
  readonly bytes: number
  /** One entry per runtime or language, fastest first. */
  readonly best: ReadonlyArray<{ readonly group: string; readonly figures: CellFigures }>
  /** Groups with a finished cell somewhere in the run but none here. */
  readonly missing: ReadonlyArray<string>
}

/**
 * The fastest server of each runtime or language at the largest cell where
 * every group that finished anything in the run has a finished server; if no
 * cell has them all, the cell where most groups finished.
 */
export const bestPerGroup = (grid: ResultGrid): BestPerGroup | undefined => {
  const groupOf = new Map(grid.targets.map((t) => [t.name, runtimeGroup(t)]))
  const everyGroup = new Set(
    grid.cells.filter((c) => c.status === "ok" && c.summary !== undefined).map((c) => groupOf.get(c.target.name)!)
  )
  let chosen: BestPerGroup | undefined
  for (const at of largestFirst(grid)) {
    const best = new Map<string, CellFigures>()
    for (const f of figuresAt(grid, at.connections, at.bytes)) {
      const group = groupOf.get(f.target)!
      if (!best.has(group)) best.set(group, f)
    }
    const candidate: BestPerGroup = {
      ...at,
      best: [...best].map(([group, figures]) => ({ group, figures })),
      missing: [...everyGroup].filter((g) => !best.has(g))
    }
    if (candidate.missing.length === 0 && candidate.best.length > 0) return candidate
    if (chosen === undefined || candidate.best.length > chosen.best.length) chosen = candidate
  }
  return chosen !== undefined && chosen.best.length > 0 ? chosen : undefined
}
