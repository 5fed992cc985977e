/**
 * The layout README's "How it is built" draws, checked from the import
 * statements of every file in src/: imports only point down the layers
 * (a test may also use testing/), no import cycle between files, and no
 * file over 400 lines.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const src = path.dirname(new URL(import.meta.url).pathname)

/** Bottom to top; a file may import from its own layer and those before it. */
const LAYERS = ["transport", "protocol", "engine", "system", "targets", "run", "report", "cli"]
/** What tests share: only tests and `testing/` itself import it. */
const TESTING = "testing"
/** Tests across real processes: nothing else imports them. */
const INTEGRATION = "integration"
const MOST_LINES = 400

const filesUnder = (dir: string): Array<string> =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? filesUnder(path.join(dir, entry.name))
        : entry.name.endsWith(".ts")
          ? [path.join(dir, entry.name)]
          : []
    )

const files = filesUnder(src)
const relative = (file: string) => path.relative(src, file)

/** `import … from "./x"`, `export … from "./x"`, `import "./x"` and `import("./x")`, relative ones only. */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g

const importsOf = (file: string): Array<string> =>
  [...fs.readFileSync(file, "utf8").matchAll(IMPORT)]
    .map((m) => path.resolve(path.dirname(file), m[1] ?? m[2]!))
    .filter((target) => target.startsWith(`${src}${path.sep}`))

const graph = new Map(files.map((file) => [file, importsOf(file)]))

/** The top folder under src/ ("" for a file directly in src/, such as main.ts). */
const folderOf = (file: string) => {
  const parts = relative(file).split(path.sep)
  return parts.length > 1 ? parts[0]! : ""
}

const isTest = (file: string) => file.endsWith(".test.ts")

/** Why `from` may not import `to`, or undefined when it may. */
const upward = (from: string, to: string): string | undefined => {
  const a = folderOf(from)
  const b = folderOf(to)
  if (a === b) return undefined
  if (b === INTEGRATION) return `only integration/ imports integration/`
  if (b === TESTING) return isTest(from) || a === INTEGRATION ? undefined : `only tests import testing/`
  if (a === "" || a === TESTING || a === INTEGRATION) return undefined
  if (b === "") return `nothing imports main.ts`
  const rankA = LAYERS.indexOf(a)
  const rankB = LAYERS.indexOf(b)
  if (rankA < 0) return `${a}/ is not a layer README names`
  if (rankB < 0) return `${b}/ is not a layer README names`
  return rankB > rankA ? `${b}/ is above ${a}/` : undefined
}

/** Strongly connected groups of more than one file (Tarjan), each a cycle. */
const cycles = (edges: Map<string, ReadonlyArray<string>>): Array<Array<string>> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const found: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const group: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        group.push(w)
      } while (w !== v)
      if (group.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(group)
    }
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}

describe("layout", () => {
  it("reads the imports of every file (the check below is not vacuous)", () => {
    expect(files.length).toBeGreaterThan(100)
    expect(importsOf(path.join(src, "main.ts")).map(relative)).toContain(path.join("cli", "Cli.ts"))
  })

  it("imports only point down the layers; testing/ only from tests, integration/ from nowhere else", () => {
    const wrong = [...graph].flatMap(([from, targets]) =>
      targets.flatMap((to) => {
        const why = upward(from, to)
        return why === undefined ? [] : [`${relative(from)} imports ${relative(to)}: ${why}`]
      })
    )
    expect(wrong).toEqual([])
  })

  it("has no import cycle between files", () => {
    expect(cycles(graph).map((group) => group.map(relative).sort().join(" → "))).toEqual([])
  })

  it("has no import cycle between the folders of production files", () => {
    const folders = new Map<string, Set<string>>()
    for (const [from, targets] of graph) {
      if (isTest(from) || folderOf(from) === TESTING) continue
      for (const to of targets) {
        if (folderOf(from) === folderOf(to)) continue
        const set = folders.get(folderOf(from)) ?? new Set<string>()
        folders.set(folderOf(from), set.add(folderOf(to)))
      }
    }
    const edges = new Map([...folders].map(([folder, set]) => [folder, [...set]]))
    for (const folder of [...folders.values()].flatMap((set) => [...set])) if (!edges.has(folder)) edges.set(folder, [])
    expect(cycles(edges).map((group) => group.sort().join(" ↔ "))).toEqual([])
  })

  it(`has no file over ${MOST_LINES} lines`, () => {
    const long = files
      .map((file) => [relative(file), fs.readFileSync(file, "utf8").split("\n").length - 1] as const)
      .filter(([, lines]) => lines > MOST_LINES)
      .map(([file, lines]) => `${file}: ${lines} lines`)
    expect(long).toEqual([])
  })
})
