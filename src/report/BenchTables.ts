/**
 * The readable views of a core bench: one table per question, and the
 * targets of issue 3 checked against the figures. All of it is computed from
 * the summaries in bench-core.json.
 */
import type { BenchCore, FloodSummary, MemorySummary } from "../run/BenchResult.ts"

const RUNTIMES = ["node", "deno", "bun"] as const

const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-")
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "-")
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-")
const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : "-")
const mib = (bytes: number) => (Number.isFinite(bytes) && bytes > 0 ? (bytes / 1048576).toFixed(1) : "-")
const sizeLabel = (s: { connections: number; bytesPerConnection: number }) =>
  `${s.connections}×${s.bytesPerConnection % 1024 === 0 ? `${s.bytesPerConnection / 1024}K` : s.bytesPerConnection}`

/** Left-aligns the first column, right-aligns the rest. */
export const formatTable = (
  title: string,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  return [title, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

const find = (
  summaries: ReadonlyArray<FloodSummary>,
  client: string,
  server: string,
  size: { connections: number; bytesPerConnection: number }
) =>
  summaries.find(
    (s) =>
      s.client === client &&
      s.server === server &&
      s.connections === size.connections &&
      s.bytesPerConnection === size.bytesPerConnection
  )

const timeWithFailures = (s: FloodSummary | undefined, seconds: number) =>
  s === undefined ? "-" : `${f3(seconds)}${s.failed > 0 ? ` (${s.failed} failed)` : ""}`

/** (a) the Effect-core server against the raw server on each runtime, native client. */
export const effectCoreTable = (bench: BenchCore) => {
  const rows: Array<Array<string>> = []
  for (const size of bench.plan.sizes) {
    for (const runtime of RUNTIMES) {
      const core = find(bench.summaries, "native", runtime, size)
      const raw = find(bench.summaries, "native", `${runtime}-raw`, size)
      if (core === undefined && raw === undefined) continue
      rows.push([
        sizeLabel(size),
        runtime,
        timeWithFailures(core, core?.minSeconds ?? Number.NaN),
        f3(core?.medianSeconds ?? Number.NaN),
        timeWithFailures(raw, raw?.minSeconds ?? Number.NaN),
        f3(raw?.medianSeconds ?? Number.NaN),
        f2((core?.minSeconds ?? Number.NaN) / (raw?.minSeconds ?? Number.NaN)),
        f2((core?.medianSeconds ?? Number.NaN) / (raw?.medianSeconds ?? Number.NaN)),
        f3(core?.serverCpuSeconds ?? Number.NaN),
        f3(raw?.serverCpuSeconds ?? Number.NaN),
        pct(core?.serverCoreBusy ?? Number.NaN),
        pct(raw?.serverCoreBusy ?? Number.NaN)
      ])
    }
  }
  return formatTable(
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

/** (b) the TS flood client on each runtime against the native client, both flooding c-epoll. */
export const clientTable = (bench: BenchCore) => {
  const rows: Array<Array<string>> = []
  for (const size of bench.plan.sizes) {
    const native = find(bench.summaries, "native", "c-epoll", size)
    for (const client of ["native", ...RUNTIMES]) {
      const s = find(bench.summaries, client, "c-epoll", size)
      if (s === undefined) continue
      rows.push([
        sizeLabel(size),
        client,
        timeWithFailures(s, s.minSeconds),
        f3(s.medianSeconds),
        f0(s.mbPerSecond),
        f2((native?.minSeconds ?? Number.NaN) / s.minSeconds),
        f3(s.clientCpuSeconds),
        pct(s.clientCoreBusy),
        pct(s.serverCoreBusy),
        mib(s.clientPeakRssBytes),
        s.clientBound ? "yes" : ""
      ])
    }
  }
  return formatTable(
    "(b) TS flood client vs native client, both against c-epoll (target: best runtime ≥ 0.90 of native)",
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

const SERVERS = ["node", "node-raw", "deno", "deno-raw", "bun", "bun-raw", "c-epoll"]

/** (c) every TS server against the c-epoll server, native client. */
export const serverTable = (bench: BenchCore) => {
  const rows: Array<Array<string>> = []
  for (const size of bench.plan.sizes) {
    const cEpoll = find(bench.summaries, "native", "c-epoll", size)
    for (const server of SERVERS) {
      const s = find(bench.summaries, "native", server, size)
      if (s === undefined) continue
      rows.push([
        sizeLabel(size),
        server,
        timeWithFailures(s, s.minSeconds),
        f3(s.medianSeconds),
        f0(s.mbPerSecond),
        f2((cEpoll?.minSeconds ?? Number.NaN) / s.minSeconds),
        f3(s.serverCpuSeconds),
        pct(s.serverCoreBusy),
        pct(s.clientCoreBusy),
        mib(s.serverPeakRssBytes)
      ])
    }
  }
  return formatTable(
    "(c) TS servers vs c-epoll, native client (target: Bun, Deno ≥ 0.90; Node ≥ 0.70 of c-epoll's throughput)",
    ["size", "server", "min s", "med s", "MB/s", "×c-epoll", "server CPU s", "core0", "core1", "server peak MiB"],
    rows
  )
}

const memoryOf = (bench: BenchCore, server: string): MemorySummary | undefined =>
  bench.memorySummaries.find((m) => m.server === server)

/** (d) memory with every connection open at once. */
export const memoryTable = (bench: BenchCore) => {
  const rows: Array<Array<string>> = []
  for (const server of SERVERS) {
    const m = memoryOf(bench, server)
    if (m === undefined) continue
    const raw = server.endsWith("-raw") || server === "c-epoll" ? undefined : memoryOf(bench, `${server}-raw`)
    rows.push([
      server,
      String(m.connections),
      mib(m.idleRssBytes),
      mib(m.peakRssBytes),
      mib(m.deltaBytes),
      `${f2(m.kibPerConnection)}${m.failed > 0 ? ` (${m.failed} failed)` : ""}`,
      f2(m.medianKibPerConnection),
      raw === undefined ? "" : f2(m.deltaBytes / raw.deltaBytes),
      f2(m.medianSeconds)
    ])
  }
  const plan = bench.plan.memory
  return formatTable(
    `(d) memory: ${plan.connections} connections open at once (--barrier), ${plan.bytesPerConnection / 1024} KiB each, native client (target: core ≤ 1.2 × raw; best TS server ≤ 4 KiB/conn)`,
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

/** The targets of issue 3, checked on the largest flood size (and on memory). */
export const targetChecks = (bench: BenchCore): Array<TargetCheck> => {
  const checks: Array<TargetCheck> = []
  for (const size of bench.plan.sizes) {
    const label = sizeLabel(size)
    const native = find(bench.summaries, "native", "c-epoll", size)
    let best = Number.NaN
    let bestName = "-"
    for (const client of RUNTIMES) {
      const s = find(bench.summaries, client, "c-epoll", size)
      const ratio = (native?.minSeconds ?? Number.NaN) / (s?.minSeconds ?? Number.NaN)
      if (Number.isFinite(ratio) && !(ratio <= best)) {
        best = ratio
        bestName = client
      }
    }
    if (native !== undefined) checks.push(check(`${label} TS client on ${bestName} / native client`, best, "≥", 0.9))
    for (const runtime of RUNTIMES) {
      const core = find(bench.summaries, "native", runtime, size)
      const raw = find(bench.summaries, "native", `${runtime}-raw`, size)
      if (core !== undefined && raw !== undefined) {
        checks.push(check(`${label} ${runtime} Effect-core / raw time`, core.minSeconds / raw.minSeconds, "≤", 1.05))
      }
    }
    const cEpoll = find(bench.summaries, "native", "c-epoll", size)
    for (const server of SERVERS.slice(0, -1)) {
      const s = find(bench.summaries, "native", server, size)
      if (s === undefined || cEpoll === undefined) continue
      const limit = server.startsWith("node") ? 0.7 : 0.9
      checks.push(check(`${label} ${server} / c-epoll throughput`, cEpoll.minSeconds / s.minSeconds, "≥", limit))
    }
  }
  for (const runtime of RUNTIMES) {
    const core = memoryOf(bench, runtime)
    const raw = memoryOf(bench, `${runtime}-raw`)
    if (core !== undefined && raw !== undefined) {
      checks.push(check(`memory ${runtime} Effect-core / raw peak`, core.deltaBytes / raw.deltaBytes, "≤", 1.2))
    }
  }
  const ts = SERVERS.slice(0, -1)
    .map((server) => memoryOf(bench, server))
    .filter((m): m is MemorySummary => m !== undefined && Number.isFinite(m.kibPerConnection))
  if (ts.length > 0) {
    const best = ts.reduce((a, m) => (m.kibPerConnection < a.kibPerConnection ? m : a))
    checks.push(check(`memory best TS server (${best.server}) KiB per connection`, best.kibPerConnection, "≤", 4))
  }
  return checks
}

export const targetsText = (bench: BenchCore) =>
  [
    "targets",
    ...targetChecks(bench).map(
      (c) => `  ${c.met ? "met   " : "MISSED"}  ${c.what}: ${f2(c.value)} (target ${c.sense} ${f2(c.limit)})`
    )
  ].join("\n")

export const allTables = (bench: BenchCore) =>
  [effectCoreTable(bench), clientTable(bench), serverTable(bench), memoryTable(bench), targetsText(bench)].join("\n\n")
