/**
 * The readable views of a bench:core run.json: one table per part, and the
 * targets checked against the figures. Every figure comes from the cells'
 * samples through `summarizeCell`: times are the min and median over the
 * measured repetitions, everything else is the fastest repetition's.
 */
import { fastestSample, measuredSamples, median, summarizeCell } from "../run/CellSummary.ts"
import type { Cell, CellSummary, RunFile, Sample } from "../run/RunFile.ts"
import { plainTable, textTable } from "./Table.ts"

const RUNTIMES = ["node", "deno", "bun"] as const
const SERVERS = ["node", "node-raw", "deno", "deno-raw", "bun", "bun-raw", "c-epoll"]
/** Throughput targets of each TS server against c-epoll; the raw servers keep the earlier ones. */
const THROUGHPUT_TARGETS: Record<string, number> = { node: 0.8, deno: 0.8, bun: 0.9, "node-raw": 0.7 }
/** The best TS client against the native client. */
const CLIENT_TARGET = 0.65
/** Every Effect-core server, per open connection. */
const MEMORY_TARGET_KIB = 8

const fixed = (digits: number) => (n: number) => (Number.isFinite(n) ? n.toFixed(digits) : "-")
const f0 = fixed(0)
const f2 = fixed(2)
const f3 = fixed(3)
const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : "-")
const mib = (bytes: number) => (Number.isFinite(bytes) && bytes > 0 ? (bytes / 1048576).toFixed(1) : "-")
const sizeLabel = (s: { connections: number; bytesPerConnection: number }) =>
  `${s.connections}×${s.bytesPerConnection % 1024 === 0 ? `${s.bytesPerConnection / 1024}K` : s.bytesPerConnection}`

interface Size {
  readonly connections: number
  readonly bytesPerConnection: number
}

/** The flood sizes of parts a–c, largest first, as the plan listed them. */
const floodSizes = (run: RunFile): Array<Size> => {
  const seen = new Map<string, Size>()
  for (const c of run.cells) if (c.part !== "d") seen.set(sizeLabel(c), c)
  return [...seen.values()]
}

interface Figures {
  readonly cell: Cell
  readonly summary: CellSummary | undefined
  readonly fastest: Sample | undefined
  readonly failed: number
}

const figures = (run: RunFile, client: string, target: string, size: Size): Figures | undefined => {
  const cell = run.cells.find(
    (c) =>
      c.part !== "d" &&
      (c.client ?? run.options.client) === client &&
      c.target === target &&
      c.connections === size.connections &&
      c.bytesPerConnection === size.bytesPerConnection
  )
  if (cell === undefined) return undefined
  const measured = cell.samples.filter((s) => !s.warmup)
  return {
    cell,
    summary: summarizeCell(cell.samples),
    fastest: fastestSample(cell.samples),
    failed: measured.length - measuredSamples(cell.samples).length + (cell.status === "failed" ? 1 : 0)
  }
}

const minOf = (f: Figures | undefined) => f?.summary?.minSeconds ?? Number.NaN
const serverCpuOf = (f: Figures | undefined) => f?.summary?.serverCpuSeconds ?? Number.NaN
/**
 * c-epoll's server CPU over this server's for the same flood: the share of C's
 * cost per byte. When c-epoll's floods are client-bound, its wall time is the
 * native client's pace, and this is what still says how far the server is from C.
 */
const cpuShareOfC = (f: Figures | undefined, cEpoll: Figures | undefined) => serverCpuOf(cEpoll) / serverCpuOf(f)
const CLIENT_BOUND_NOTE = "c-epoll client-bound: its time is the native client's pace; see CPU ×c-epoll"
const timeWithFailures = (f: Figures | undefined) =>
  f === undefined ? "-" : `${f3(minOf(f))}${f.failed > 0 ? ` (${f.cell.reason ?? "failed"})` : ""}`

const table = (title: string, header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  textTable(
    title,
    plainTable(
      header,
      header.map((_, i) => i >= 2),
      rows
    )
  )

/** (a) the Effect-core server against the raw server on each runtime, native client. */
export const effectCoreTable = (run: RunFile) => {
  const rows: Array<Array<string>> = []
  for (const size of floodSizes(run)) {
    for (const runtime of RUNTIMES) {
      const core = figures(run, "native", runtime, size)
      const raw = figures(run, "native", `${runtime}-raw`, size)
      if (core === undefined && raw === undefined) continue
      rows.push([
        sizeLabel(size),
        runtime,
        timeWithFailures(core),
        f3(core?.summary?.medianSeconds ?? Number.NaN),
        timeWithFailures(raw),
        f3(raw?.summary?.medianSeconds ?? Number.NaN),
        f2(minOf(core) / minOf(raw)),
        f2((core?.summary?.medianSeconds ?? Number.NaN) / (raw?.summary?.medianSeconds ?? Number.NaN)),
        f3(core?.summary?.serverCpuSeconds ?? Number.NaN),
        f3(raw?.summary?.serverCpuSeconds ?? Number.NaN),
        pct(core?.summary?.serverCoreBusy ?? Number.NaN),
        pct(raw?.summary?.serverCoreBusy ?? Number.NaN)
      ])
    }
  }
  return table(
    "(a) Effect-core server vs raw server, same runtime, native client (target: core/raw time ≤ 1.05)",
    [
      "size",
      "runtime",
      "core min s",
      "core med s",
      "raw min s",
      "raw med s",
      "core/raw min",
      "core/raw med",
      "core CPU s",
      "raw CPU s",
      "core core0",
      "raw core0"
    ],
    rows
  )
}

/** Size, name, min and median time, MB/s, and how many times the reference's speed (tables b and c). */
const againstReference = (size: Size, name: string, f: Figures, reference: Figures | undefined) => [
  sizeLabel(size),
  name,
  timeWithFailures(f),
  f3(f.summary?.medianSeconds ?? Number.NaN),
  f0(f.summary?.mbPerSecond ?? Number.NaN),
  f2(minOf(reference) / minOf(f))
]

const clientCpu = (s: Sample | undefined) =>
  s?.client === undefined ? Number.NaN : s.client.cpuUserSeconds + s.client.cpuSystemSeconds

/** (b) the TS flood client on each runtime against the native client, both flooding c-epoll. */
export const clientTable = (run: RunFile) => {
  const rows: Array<Array<string>> = []
  for (const size of floodSizes(run)) {
    const native = figures(run, "native", "c-epoll", size)
    for (const client of ["native", ...RUNTIMES]) {
      const f = figures(run, client, "c-epoll", size)
      if (f === undefined) continue
      rows.push([
        ...againstReference(size, client, f, native),
        f3(clientCpu(f.fastest)),
        pct(f.summary?.clientCoreBusy ?? Number.NaN),
        pct(f.summary?.serverCoreBusy ?? Number.NaN),
        mib(f.fastest?.client?.peakRssBytes ?? Number.NaN),
        f.summary?.clientBound === true ? "yes" : ""
      ])
    }
  }
  return table(
    "(b) TS flood client vs native client, both against c-epoll (target: best runtime ≥ 0.65 of native); client CPU and MiB: the whole client process",
    [
      "size",
      "client",
      "min s",
      "med s",
      "MB/s",
      "×native",
      "client CPU s",
      "core1",
      "core0",
      "client MiB",
      "client-bound"
    ],
    rows
  )
}

/** (c) every TS server against the c-epoll server, native client. */
export const serverTable = (run: RunFile) => {
  const rows: Array<Array<string>> = []
  for (const size of floodSizes(run)) {
    const cEpoll = figures(run, "native", "c-epoll", size)
    for (const server of SERVERS) {
      const f = figures(run, "native", server, size)
      if (f === undefined) continue
      rows.push([
        ...againstReference(size, server, f, cEpoll),
        f3(serverCpuOf(f)),
        f2(cpuShareOfC(f, cEpoll)),
        pct(f.summary?.serverCoreBusy ?? Number.NaN),
        pct(f.summary?.clientCoreBusy ?? Number.NaN),
        mib(f.summary?.serverPeakRssBytes ?? Number.NaN)
      ])
    }
  }
  return table(
    "(c) TS servers vs c-epoll, native client (target: Bun ≥ 0.90; Node, Deno ≥ 0.80 of c-epoll's throughput;" +
      " CPU ×c-epoll is c-epoll's server CPU over this server's for the same flood)",
    [
      "size",
      "server",
      "min s",
      "med s",
      "MB/s",
      "×c-epoll",
      "server CPU s",
      "CPU ×c-epoll",
      "core0",
      "core1",
      "server peak MiB"
    ],
    rows
  )
}

interface Memory {
  readonly cell: Cell
  /** The repetition with the smallest growth. */
  readonly least: Sample | undefined
  readonly medianKibPerConnection: number
  readonly medianSeconds: number
  readonly failed: number
}

const kibPerConnection = (s: Sample) => (s.memory?.deltaBytes ?? Number.NaN) / s.flood.connections / 1024

const memoryOf = (run: RunFile, server: string): Memory | undefined => {
  const cell = run.cells.find((c) => c.part === "d" && c.target === server)
  if (cell === undefined) return undefined
  const ok = measuredSamples(cell.samples).filter((s) => s.memory !== undefined)
  return {
    cell,
    least: ok.reduce<Sample | undefined>(
      (a, s) => (a === undefined || s.memory!.deltaBytes < a.memory!.deltaBytes ? s : a),
      undefined
    ),
    medianKibPerConnection: median(ok.map(kibPerConnection)),
    medianSeconds: median(ok.map((s) => s.flood.seconds)),
    failed: cell.samples.length - ok.length + (cell.status === "failed" ? 1 : 0)
  }
}

const delta = (m: Memory | undefined) => m?.least?.memory?.deltaBytes ?? Number.NaN

/** (d) memory with every connection open at once. */
export const memoryTable = (run: RunFile) => {
  const rows: Array<Array<string>> = []
  let plan: Size | undefined
  for (const server of SERVERS) {
    const m = memoryOf(run, server)
    if (m === undefined) continue
    plan = m.cell
    const raw = server.endsWith("-raw") || server === "c-epoll" ? undefined : memoryOf(run, `${server}-raw`)
    const least = m.least
    rows.push([
      server,
      String(m.cell.connections),
      mib(least?.memory?.idleRssBytes ?? Number.NaN),
      mib(least?.server?.peakRssBytes ?? Number.NaN),
      mib(delta(m)),
      `${f2(least === undefined ? Number.NaN : kibPerConnection(least))}${m.failed > 0 ? ` (${m.cell.reason ?? "failed"})` : ""}`,
      f2(m.medianKibPerConnection),
      raw === undefined ? "" : f2(delta(m) / delta(raw)),
      f2(m.medianSeconds)
    ])
  }
  if (plan === undefined) return ""
  return table(
    `(d) memory: ${plan.connections} connections open at once (--barrier), ${plan.bytesPerConnection / 1024} KiB each, native client (target: core ≤ 1.2 × raw; every Effect-core server ≤ 8, the best ≤ 4 KiB/conn)`,
    ["server", "conns", "idle MiB", "peak MiB", "delta MiB", "KiB/conn", "med KiB/conn", "core/raw", "flood s"],
    rows
  )
}

export interface TargetCheck {
  readonly what: string
  readonly value: number
  readonly limit: number
  /** "≥" when the value must reach the limit, "≤" when it must stay under it. */
  readonly sense: "≥" | "≤"
  readonly met: boolean
}

const check = (what: string, value: number, sense: "≥" | "≤", limit: number): TargetCheck => ({
  what,
  value,
  limit,
  sense,
  met: Number.isFinite(value) && (sense === "≥" ? value >= limit : value <= limit)
})

/** The bench's targets, checked on every flood size and on memory. */
export const targetChecks = (run: RunFile): Array<TargetCheck> => {
  const checks: Array<TargetCheck> = []
  for (const size of floodSizes(run)) {
    const label = sizeLabel(size)
    const native = figures(run, "native", "c-epoll", size)
    let best = Number.NaN
    let bestName = "-"
    for (const client of RUNTIMES) {
      const ratio = minOf(native) / minOf(figures(run, client, "c-epoll", size))
      if (Number.isFinite(ratio) && !(ratio <= best)) {
        best = ratio
        bestName = client
      }
    }
    if (native !== undefined && run.cells.some((c) => c.part === "b")) {
      checks.push(check(`${label} TS client on ${bestName} / native client`, best, "≥", CLIENT_TARGET))
    }
    for (const runtime of RUNTIMES) {
      const core = figures(run, "native", runtime, size)
      const raw = figures(run, "native", `${runtime}-raw`, size)
      if (core !== undefined && raw !== undefined) {
        checks.push(check(`${label} ${runtime} Effect-core / raw time`, minOf(core) / minOf(raw), "≤", 1.05))
      }
    }
    for (const server of SERVERS.slice(0, -1)) {
      const s = figures(run, "native", server, size)
      if (s === undefined || native === undefined) continue
      const limit = THROUGHPUT_TARGETS[server] ?? 0.9
      const paced = native.summary?.clientBound === true ? ` (${CLIENT_BOUND_NOTE} ${f2(cpuShareOfC(s, native))})` : ""
      checks.push(check(`${label} ${server} / c-epoll throughput${paced}`, minOf(native) / minOf(s), "≥", limit))
    }
  }
  for (const runtime of RUNTIMES) {
    const core = memoryOf(run, runtime)
    const raw = memoryOf(run, `${runtime}-raw`)
    if (core !== undefined && raw !== undefined) {
      checks.push(check(`memory ${runtime} Effect-core / raw peak`, delta(core) / delta(raw), "≤", 1.2))
    }
  }
  for (const runtime of RUNTIMES) {
    const least = memoryOf(run, runtime)?.least
    if (least !== undefined) {
      checks.push(check(`memory ${runtime} KiB per connection`, kibPerConnection(least), "≤", MEMORY_TARGET_KIB))
    }
  }
  const ts = SERVERS.slice(0, -1)
    .map((server) => memoryOf(run, server))
    .filter((m): m is Memory => m?.least !== undefined)
  if (ts.length > 0) {
    const best = ts.reduce((a, m) => (kibPerConnection(m.least!) < kibPerConnection(a.least!) ? m : a))
    checks.push(
      check(`memory best TS server (${best.cell.target}) KiB per connection`, kibPerConnection(best.least!), "≤", 4)
    )
  }
  return checks
}

export const targetsText = (run: RunFile) =>
  [
    "targets",
    ...targetChecks(run).map(
      (c) => `  ${c.met ? "met   " : "MISSED"}  ${c.what}: ${f2(c.value)} (target ${c.sense} ${f2(c.limit)})`
    )
  ].join("\n")

/** Every table of the parts the run has, then the targets. */
export const benchTables = (run: RunFile) => {
  const has = (part: string) => run.cells.some((c) => c.part === part)
  return [
    has("a") ? effectCoreTable(run) : "",
    has("b") ? clientTable(run) : "",
    has("a") || has("c") ? serverTable(run) : "",
    has("d") ? memoryTable(run) : "",
    targetsText(run)
  ]
    .filter((t) => t !== "")
    .join("\n\n")
}
