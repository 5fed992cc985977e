/**
 * `compare --preset seed`: the original experiment in one command. Its
 * servers (C epoll standing in for Scale Stack), our server on Node, Deno and
 * Bun, 1 … 32,768 connections × 32 KiB and 512 KiB, 3 repetitions with the
 * minimum kept, then a saturation test per server with the client-delay
 * probe. `--dry-run` prints the plan below. Its kernel settings are listed
 * (`doctor --tune` applies most of them); compare does not apply them itself.
 */
import type { Target } from "../targets/TargetRegistry.ts"
import type { Limits } from "./Preflight.ts"
import { planProcesses, serverSideOf } from "./ProcessPlan.ts"
import type { RunFile } from "./RunFile.ts"

export const seedPreset = {
  targets: [
    "c-epoll",
    "node-raw",
    "twisted",
    "eventlet",
    "erlang",
    "python-threads",
    "go-copy",
    "go-buffer",
    "node",
    "deno",
    "bun"
  ],
  connections: [1, 10, 100, 1000, 2048, 4096, 8192, 16384, 32768],
  bytes: [32768, 524288],
  repetitions: 3,
  warmup: false,
  saturateSeconds: 10,
  /** The original's kernel settings (listed by --dry-run; `doctor --tune` applies most of them as root). */
  sysctls: [
    ["net.core.somaxconn", "32768"],
    ["net.core.netdev_max_backlog", "32768"],
    ["net.ipv4.ip_local_port_range", "21000 61000"],
    ["net.core.rmem_default", "8192"],
    ["net.core.wmem_default", "8192"]
  ]
} as const

/**
 * Echoed MB/s per target for the estimate: the full run of 2026-11-26 on
 * this machine at 16,384 × 512 KiB (runs/2026-11-26T15-30-06Z_vm); 500 for a
 * target it did not measure.
 */
const measuredMBps: Readonly<Record<string, number>> = {
  "c-epoll": 1666,
  "node-raw": 1094,
  twisted: 729,
  eventlet: 436,
  erlang: 458,
  "python-threads": 597,
  "go-copy": 1267,
  "go-buffer": 1175,
  node: 1526,
  deno: 1463,
  bun: 999
}
/** Opening connections dominates large cells: 32,768 took 14–16 s here (two client processes, somaxconn 4096). */
const CONNECT_MS = 0.45
/** Starting, checking and stopping one server. */
const START_SECONDS = 3
/** Ramp-up, probe and stop around each saturation's steady state. */
const SATURATION_OVERHEAD_SECONDS = 25

export const cellSeconds = (target: string, connections: number, bytes: number) =>
  (connections * bytes) / ((measuredMBps[target] ?? 500) * 1e6) + (connections * CONNECT_MS) / 1000

/** Seconds the pending cells and the saturation phase should take here. */
export const estimateSeconds = (run: RunFile, saturateSeconds: number) => {
  const floods = (run.options.repetitions + (run.options.warmup ? 1 : 0)) as number
  let seconds = 0
  const started = new Set<string>()
  for (const cell of run.cells) {
    if (cell.status !== "pending") continue
    seconds += floods * cellSeconds(cell.target, cell.connections, cell.bytesPerConnection)
    if (!started.has(cell.target)) seconds += START_SECONDS
    started.add(cell.target)
  }
  if (run.options.saturate) seconds += started.size * (saturateSeconds + SATURATION_OVERHEAD_SECONDS)
  return seconds
}

const minutes = (seconds: number) =>
  `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`

/** The plan `--dry-run` prints: cells, processes per side, settings, estimated time. */
export const dryRunLines = (
  run: RunFile,
  selected: ReadonlyArray<Target>,
  limits: Limits,
  settings: ReadonlyArray<readonly [string, string]>,
  saturateSeconds: number,
  saturateConnections: number,
  asRoot: boolean
): Array<string> => {
  const lines = [
    `plan: ${selected.length} targets × ${run.options.connections.length} connection counts × ${run.options.bytes.length} sizes, ${run.options.repetitions} repetitions${run.options.warmup ? " after a warm-up" : ""}, minimum kept; client ${run.options.client}`
  ]
  for (const target of selected) {
    const cells = run.cells.filter((c) => c.target === target.manifest.name)
    const pending = cells.filter((c) => c.status === "pending")
    const skipped = cells.filter((c) => c.status === "skipped")
    const processes = [...new Set(pending.map((c) => c.connections))]
      .filter((n) => n > 1000)
      .map((n) => {
        const verdict = planProcesses({
          connections: n,
          openFilesHard: limits.openFilesHard,
          ports: limits.portRange[1] - limits.portRange[0] + 1,
          ...serverSideOf(target.manifest),
          ...(run.options.serverProcesses === undefined ? {} : { serverProcesses: run.options.serverProcesses })
        })
        return verdict._tag === "Planned" && (verdict.plan.serverProcesses > 1 || verdict.plan.clientProcesses > 1)
          ? `${n}: ${verdict.plan.serverProcesses} server + ${verdict.plan.clientProcesses} client processes`
          : undefined
      })
      .filter((s) => s !== undefined)
    const seconds = pending.reduce(
      (sum, c) => sum + run.options.repetitions * cellSeconds(c.target, c.connections, c.bytesPerConnection),
      0
    )
    lines.push(
      `  ${target.manifest.name}: ${pending.length} cells (~${minutes(seconds)})${processes.length > 0 ? `; ${processes.join(", ")}` : "; one process per side"}${
        skipped.length > 0
          ? `; skipped ${skipped.map((c) => `${c.connections}×${c.bytesPerConnection / 1024} KiB`).join(", ")}: ${skipped[0]!.reason}`
          : ""
      }`
    )
  }
  lines.push(
    `kernel settings of the original: ${settings.map(([k, v]) => `${k}=${v}`).join(", ")}: not applied by compare itself; ${asRoot ? "`doctor --tune` applies somaxconn, netdev_max_backlog and the port range, saving the old values (`doctor --restore` puts them back)" : "run `doctor --tune` as root first"}`
  )
  if (run.options.saturate) {
    lines.push(
      `then saturation: each target at ${saturateConnections} connections (one process per side) for ${saturateSeconds} s with the client-delay probe`
    )
  }
  lines.push(`estimated time: ${minutes(estimateSeconds(run, saturateSeconds))}`)
  return lines
}
