/**
 * `compare --preset seed`: the original experiment in one command. Its
 * servers (C epoll standing in for Scale Stack), our server on Node, Deno and
 * Bun, 1 … 32,768 connections × 32 KiB and 512 KiB, 3 repetitions with the
 * minimum kept, then a saturation test per server with the client-delay
 * probe. `--dry-run` prints the plan below. Its kernel settings are applied
 * for the run when it runs as root, and put back after (withSeedSysctls).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { readSysctl, writeSysctl } from "../system/Environment.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import { type Limits, savedSysctlsPath, TUNED_PID_MAX } from "./Preflight.ts"
import { planProcesses, serverSideOf } from "./ProcessPlan.ts"
import type { RunFile } from "./RunFile.ts"
import { saveRun } from "./RunStore.ts"
import { defaultSaturationConnections } from "./SaturationOptions.ts"

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
  /** The original's saturation test ran at 32k: past one process here, so several per side. */
  saturateConnections: 32768,
  /** The original's kernel settings (listed by --dry-run; `doctor --tune` applies most of them as root). */
  sysctls: [
    ["net.core.somaxconn", "32768"],
    ["net.core.netdev_max_backlog", "32768"],
    ["net.ipv4.ip_local_port_range", "21000 61000"],
    ["net.core.rmem_default", "8192"],
    ["net.core.wmem_default", "8192"],
    // Not the original's (its machine had pids to spare): room for Python's thread per connection at 32,768.
    ["kernel.pid_max", TUNED_PID_MAX]
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
/*
 * Costs from the 1-repetition run of this preset's matrix, 2026-12-01T15-45-14Z_vm (somaxconn 4096, no
 * kernel settings applied): its 198 floods took 430 s by their own clocks, which this model puts at 434 s,
 * and 524 s from first to last (the gaps below); each saturation at 16,384 × 10 s took 20–28 s.
 */
/** Per connection opened by one client process: median 0.048 ms over the 120 floods of 1,000–16,384. */
const CONNECT_MS = 0.05
/**
 * Per connection past one client process. The floods of that first run took 0.37-0.44 ms, but most of it was our
 * client's port search on one source address (fixed since: 32,768 now connect in 0.75-1.5 s). What stays is the
 * server's side of a ramp: the saturation ramps at 32,768 after the fix (runs/2026-12-01T21-35-15Z_vm) took
 * 3.1-40.8 s, 15.4 s on average, which this figure gives (14.7 s); measured 32,768 floods use their own times.
 */
const SPLIT_CONNECT_MS = 0.45
/** Between floods (client start and stop, reading results): 524 s − 434 s over 198 floods, less the starts. */
const FLOOD_GAP_SECONDS = 0.3
/** Starting, checking and stopping one server. */
const START_SECONDS = 3
/** Ramp-up, probe and stop around each saturation's steady state (measured 10–18 s, at 16,384 connections). */
const SATURATION_OVERHEAD_SECONDS = 18

const connectSeconds = (connections: number) =>
  (connections * (connections > 16384 ? SPLIT_CONNECT_MS : CONNECT_MS)) / 1000

/**
 * Seconds of one flood at 32,768 connections [× 32 KiB, × 512 KiB], measured by this preset here with the
 * original's kernel settings (runs/2026-12-01T21-35-15Z_vm). Throughput at 16,384 does not carry over: Twisted,
 * Eventlet, Erlang and the raw Node server serve 32,768 two to four times slower per byte; Python threads
 * failed at 512 KiB after its 60 s stall limit (counted as 90 s).
 */
const measured32kSeconds: Readonly<Record<string, readonly [number, number]>> = {
  "c-epoll": [2.8, 12.6],
  "node-raw": [6.8, 42.1],
  twisted: [10.0, 85.0],
  eventlet: [10.3, 66.5],
  erlang: [14.2, 111.8],
  "python-threads": [20.8, 90],
  "go-copy": [3.2, 14.6],
  "go-buffer": [7.0, 17.3],
  node: [4.1, 14.6],
  deno: [4.7, 17.3],
  bun: [3.0, 17.1]
}

export const cellSeconds = (target: string, connections: number, bytes: number) => {
  const at32k = connections === 32768 ? measured32kSeconds[target] : undefined
  const measured =
    at32k === undefined ? undefined : bytes === 32768 ? at32k[0] : bytes === 524288 ? at32k[1] : undefined
  return measured !== undefined
    ? measured + FLOOD_GAP_SECONDS
    : (connections * bytes) / ((measuredMBps[target] ?? 500) * 1e6) + connectSeconds(connections) + FLOOD_GAP_SECONDS
}

/** One saturation: its steady state, the overhead measured at 16,384, and the longer ramp of more connections. */
const saturationSeconds = (seconds: number, connections: number) =>
  seconds + SATURATION_OVERHEAD_SECONDS + Math.max(0, connectSeconds(connections) - connectSeconds(16384))

/** The saturation phase's connections: the seed preset's, else the most one process per side holds here. */
export const saturationConnections = (run: RunFile, limits: Limits) =>
  run.options.preset === "seed" ? seedPreset.saturateConnections : defaultSaturationConnections(limits)

/** Seconds the pending cells and the saturation phase should take here. */
export const estimateSeconds = (run: RunFile, saturateSeconds: number, saturateConnections: number) => {
  const floods = (run.options.repetitions + (run.options.warmup ? 1 : 0)) as number
  let seconds = 0
  const started = new Set<string>()
  for (const cell of run.cells) {
    if (cell.status !== "pending") continue
    seconds += floods * cellSeconds(cell.target, cell.connections, cell.bytesPerConnection)
    if (!started.has(cell.target)) seconds += START_SECONDS
    started.add(cell.target)
  }
  if (run.options.saturate) seconds += started.size * saturationSeconds(saturateSeconds, saturateConnections)
  return seconds
}

const minutes = (seconds: number) =>
  `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`

/** "2 server + 2 client processes" when a target needs several at n connections here; nothing when one each will do. */
const planSides = (limits: Limits) => (target: Target, n: number, serverProcesses: number | undefined) => {
  const verdict = planProcesses({
    connections: n,
    openFilesHard: limits.openFilesHard,
    ports: limits.portRange[1] - limits.portRange[0] + 1,
    ...serverSideOf(target.manifest),
    ...(serverProcesses === undefined ? {} : { serverProcesses })
  })
  return verdict._tag === "Planned" && (verdict.plan.serverProcesses > 1 || verdict.plan.clientProcesses > 1)
    ? [`${verdict.plan.serverProcesses} server + ${verdict.plan.clientProcesses} client processes`]
    : []
}

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
  const sidesAt = planSides(limits)
  const lines = [
    `plan: ${selected.length} targets × ${run.options.connections.length} connection counts × ${run.options.bytes.length} sizes, ${run.options.repetitions} repetitions${run.options.warmup ? " after a warm-up" : ""}, minimum kept; client ${run.options.client}`
  ]
  for (const target of selected) {
    const cells = run.cells.filter((c) => c.target === target.manifest.name)
    const pending = cells.filter((c) => c.status === "pending")
    const skipped = cells.filter((c) => c.status === "skipped")
    const processes = [...new Set(pending.map((c) => c.connections))]
      .filter((n) => n > 1000)
      .flatMap((n) => sidesAt(target, n, run.options.serverProcesses).map((sides) => `${n}: ${sides}`))
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
    `kernel settings of the original (pid_max: ours, for a thread per connection): ${settings.map(([k, v]) => `${k}=${v}`).join(", ")}: ${asRoot ? "applied for the run and put back when it ends, even on Ctrl-C or a failure (old values also saved for `doctor --restore`); run.json records them" : "not applied (not root): run as root to apply them for the run"}`
  )
  if (run.options.saturate) {
    const several = selected.flatMap((target) => sidesAt(target, saturateConnections, undefined))
    const sides = several.length === 0 ? "one process per side" : [...new Set(several)].join(" or ")
    lines.push(
      `then saturation: each target at ${saturateConnections} connections (${sides}) for ${saturateSeconds} s with the client-delay probe`
    )
  }
  lines.push(`estimated time: ${minutes(estimateSeconds(run, saturateSeconds, saturateConnections))}`)
  return lines
}

/*
 * The seed preset applies the original's kernel settings for the length of
 * the run and puts the old values back when it ends: done, failed,
 * interrupted (Ctrl-C) or a server crashed. The old values are also saved
 * where `doctor --restore` finds them (unless `doctor --tune` saved its own
 * first), so even a killed compare leaves a way back. Without root nothing
 * is changed; run.json says which settings were applied.
 */
/** One setting the run changed: its value before and the value it ran with. */
export interface AppliedSysctl {
  readonly name: string
  readonly before: string
  readonly value: string
}

interface Applied {
  readonly applied: ReadonlyArray<AppliedSysctl>
  /** The save file is ours (doctor --tune had not written one): removed after restoring. */
  readonly ownSaveFile: boolean
}

const apply = (log: (line: string) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const before: Record<string, string> = {}
    for (const [name] of seedPreset.sysctls) {
      const value = yield* readSysctl(name)
      if (Option.isSome(value)) before[name] = value.value
    }
    const saved = yield* fs.exists(savedSysctlsPath).pipe(Effect.orElseSucceed(() => false))
    const ownSaveFile =
      !saved &&
      (yield* fs.makeDirectory(`${repoRoot}/runs`, { recursive: true }).pipe(
        Effect.zipRight(fs.writeFileString(savedSysctlsPath, JSON.stringify(before, null, 2))),
        Effect.as(true),
        Effect.orElseSucceed(() => false)
      ))
    const applied: Array<AppliedSysctl> = []
    const refused: Array<string> = []
    for (const [name, value] of seedPreset.sysctls) {
      const old = before[name]
      if (old === undefined) continue
      const wrote = yield* writeSysctl(name, value).pipe(Effect.either)
      if (wrote._tag === "Right") applied.push({ name, before: old, value })
      else refused.push(name)
    }
    yield* log(
      applied.length > 0
        ? `the original's kernel settings for this run (put back when it ends): ${applied.map((a) => `${a.name} ${a.before} → ${a.value}`).join(", ")}${refused.length > 0 ? `; not settable here: ${refused.join(", ")}` : ""}`
        : `the original's kernel settings are not applied (${refused.length > 0 ? "not root" : "not on this system"}): figures run with this machine's own; run compare as root to apply them`
    )
    if (applied.length === 0 && ownSaveFile) yield* fs.remove(savedSysctlsPath).pipe(Effect.ignore)
    return { applied, ownSaveFile: ownSaveFile && applied.length > 0 } satisfies Applied
  })

const restore = (state: Applied, log: (line: string) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    if (state.applied.length === 0) return
    const fs = yield* FileSystem.FileSystem
    const failed: Array<string> = []
    for (const { name, before } of state.applied) {
      // /proc/sys separates multiple values with a tab.
      const put = yield* writeSysctl(name, before.replace(" ", "\t")).pipe(Effect.either)
      if (put._tag === "Left") failed.push(`${name} (${put.left.message})`)
    }
    if (failed.length === 0 && state.ownSaveFile) yield* fs.remove(savedSysctlsPath).pipe(Effect.ignore)
    yield* log(
      failed.length === 0
        ? `kernel settings put back: ${state.applied.map((a) => `${a.name} ${a.before}`).join(", ")}`
        : `could not put back ${failed.join(", ")}: \`doctor --restore\` reads the old values from ${savedSysctlsPath}`
    )
  })

/**
 * Runs the measuring part of a compare run with the seed preset's kernel
 * settings applied (when the run is of that preset), and restores them
 * however it ends; the final run.json records which were applied.
 */
export const withSeedSysctls = <E, R>(
  run: RunFile,
  dir: string,
  log: (line: string) => Effect.Effect<void>,
  measured: Effect.Effect<RunFile, E, R>
) =>
  run.options.preset !== "seed"
    ? measured
    : Effect.acquireUseRelease(
        apply(log),
        (state) =>
          Effect.flatMap(measured, (final) => {
            const recorded = { ...final, options: { ...final.options, sysctlsApplied: state.applied } }
            return Effect.as(saveRun(dir, recorded), recorded)
          }),
        (state) => restore(state, log)
      )
