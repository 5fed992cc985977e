/**
 * `compare`: the project's main job. Runs the matrix over every available
 * target, writes `runs/<id>/run.json` after every cell, then the reports.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Terminal from "@effect/platform/Terminal"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { defaultFloodOptions, validateFloodOptions } from "../engine/FloodOptions.ts"
import { doctorLines } from "../report/DoctorReport.ts"
import { writeReports } from "../report/ReportWriter.ts"
import { refreshRunIndex } from "../report/RunIndex.ts"
import { terminalSummary } from "../report/TerminalSummary.ts"
import { checkCoresQuiet } from "../run/BusyCores.ts"
import { type ProgressEvent, runMatrix } from "../run/MatrixRunner.ts"
import { countOf } from "../run/NumberFormat.ts"
import { connectionsVerdict, largestPowerOfTwo, readLimits } from "../run/Preflight.ts"
import { cellVerdict } from "../run/ProcessPlan.ts"
import type { Cell, RunFile, RunOptions, TargetInfo } from "../run/RunFile.ts"
import { acquirePlace, describePlace, recordPlace, requestOfRun } from "../run/RunPlace.ts"
import { loadRun, newRunId, runsDir } from "../run/RunStore.ts"
import { targetInfo } from "../run/RunTargets.ts"
import type { ClientKind } from "../run/SampleRunner.ts"
import { saturationPhase } from "../run/SaturationPhase.ts"
import { dryRunLines, saturationConnections, seedPreset, withSeedSysctls } from "../run/SeedPreset.ts"
import { capture } from "../system/CapturedCommand.ts"
import { collectEnvironment } from "../system/Environment.ts"
import { repoRoot, runtimeVersion } from "../targets/Runtimes.ts"
import { checkAvailable, discoverTargets, type Target } from "../targets/TargetRegistry.ts"
import { selectTargetsWithVersions as selectTargets } from "../targets/VersionedTargets.ts"
import { chooseClient } from "./ClientChoice.ts"
import { networkOptions, placeRequest, serverSshOptions } from "./NetworkOptions.ts"
import {
  checkPinnedCores,
  coresOf,
  defaulted,
  integerListOption,
  integerOption,
  nameListOption,
  numberOption,
  pinnedCoresOptions,
  runtimeOption,
  sharedCores,
  sizeListOption,
  sizeOption
} from "./OptionValues.ts"

/** @category errors */
export class CellsFailed extends Data.TaggedError("CellsFailed")<{ readonly failed: number; readonly dir: string }> {
  override get message() {
    return `${countOf(this.failed, "cell")} FAILED; ${this.dir}/report.md says why`
  }
}

const options = {
  targets: nameListOption("targets", "c-epoll,node,bun").pipe(
    Options.optional,
    Options.withDescription("Comma-separated target names (default: all; see `targets`)")
  ),
  client: runtimeOption("client", "node@24", ["native"]).pipe(
    Options.optional,
    Options.withDescription(
      "Flood client: native (C, default when built) or our TS client on that runtime, at a version after setup:runtimes (node@24)"
    )
  ),
  connections: integerListOption("connections", "1,100,1000").pipe(
    Options.optional,
    Options.withDescription(
      "Comma-separated connection counts (default 1,10,100,1000,10000 and the largest power of two allowed; --quick: 1,100,1000)"
    )
  ),
  bytes: sizeListOption("bytes", "32KiB,512KiB").pipe(
    Options.optional,
    Options.withDescription("Comma-separated bytes per connection (default 32KiB,512KiB)")
  ),
  repetitions: integerOption("repetitions", "3", { min: 1 }).pipe(
    Options.optional,
    Options.withDescription("Measured repetitions per cell (default 3)")
  ),
  chunk: defaulted(sizeOption("chunk", "32KiB"), 32768, "Largest write"),
  window: sizeOption("window", "64KiB").pipe(
    Options.optional,
    Options.withDescription("Unechoed bytes per connection (default: one chunk)")
  ),
  ...pinnedCoresOptions,
  timeout: defaulted(numberOption("timeout", "60"), 120, "Seconds before one flood is cut off"),
  quick: Options.boolean("quick").pipe(
    Options.withDescription(
      "A small matrix (1, 100, 1000 connections, 2 repetitions, no warm-up) that finishes in a few minutes"
    )
  ),
  full: Options.boolean("full").pipe(
    Options.withDescription("The full matrix, even when --quick is also given (npm run compare passes --quick)")
  ),
  saturate: Options.boolean("saturate").pipe(
    Options.withDescription("After the matrix, saturate each target and probe its client delay")
  ),
  saturateDuration: defaulted(
    numberOption("saturate-duration", "20"),
    20,
    "Seconds of steady state per target in the saturation phase"
  ),
  runsDir: defaulted(Options.text("runs-dir"), runsDir, "Where run folders go"),
  resume: Options.text("resume").pipe(
    Options.optional,
    Options.withDescription("Continue an interrupted run: runs/<id>")
  ),
  preset: Options.choice("preset", ["seed"] as const).pipe(
    Options.optional,
    Options.withDescription(
      "seed: the original experiment (its servers and ours on Node, Deno, Bun; 1…32768 connections × 32 KiB and 512 KiB; 3 repetitions; its kernel settings as root; saturation at 32k)"
    )
  ),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription("Print the plan (cells, processes per side, settings, estimated time) and stop")
  ),
  serverProcesses: integerOption("server-processes", "2").pipe(
    Options.optional,
    Options.withDescription(
      "Server processes sharing the port for every cell (default: the least the open-files limit allows)"
    )
  ),
  allowBusy: Options.boolean("allow-busy").pipe(Options.withDescription("Measure even when the cores are busy")),
  ...networkOptions,
  ...serverSshOptions,
  retryFailedTargets: Options.boolean("retry-failed-targets").pipe(
    Options.withDescription(
      "Start a target that failed to start again for each of its cells (default: its other cells are skipped with the reason)"
    )
  )
}

type Parsed = Command.Command.ParseConfig<typeof options>

/**
 * What every cell will use, checked before any server starts: one bad value
 * would otherwise start every server and fail every cell.
 */
const checkBeforeTraffic = (options: RunOptions) =>
  Effect.gen(function* () {
    yield* validateFloodOptions({
      ...defaultFloodOptions,
      port: 1,
      chunk: options.chunk,
      window: options.window,
      timeoutSeconds: options.timeoutSeconds
    })
    yield* checkPinnedCores(coresOf(options.serverCpus), coresOf(options.clientCpus))
  })

const planCells = (
  infos: ReadonlyArray<TargetInfo>,
  options: RunOptions,
  verdict: (target: string, n: number) => string | undefined
) =>
  infos.flatMap((info) =>
    options.bytes.flatMap((bytes) =>
      options.connections.map((connections): Cell => {
        const base = { target: info.name, connections, bytesPerConnection: bytes, samples: [] }
        if (!info.available) return { ...base, status: "skipped", reason: info.reason }
        const why = verdict(info.name, connections)
        return why === undefined ? { ...base, status: "pending" } : { ...base, status: "skipped", reason: why }
      })
    )
  )

const fmtDuration = (ms: number) => {
  const s = Math.round(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`
}

const progressLine = (e: ProgressEvent) =>
  `[${e.cellIndex + 1}/${e.cellCount}] ${e.cell.target} ${e.cell.connections}×${e.cell.bytesPerConnection / 1024} KiB ${
    e.warmup ? "warm-up" : `rep ${e.repetition}/${e.repetitions}`
  }${e.lastSeconds === undefined ? "" : ` · last ${e.lastSeconds.toFixed(3)} s`} · elapsed ${fmtDuration(e.elapsedMs)}${
    e.etaMs === undefined ? "" : ` · ETA ${fmtDuration(e.etaMs)}`
  }`

const freshRun = (given: Parsed, all: ReadonlyArray<Target>) =>
  Effect.gen(function* () {
    const seed = Option.isSome(given.preset)
    const parsed = { ...given, quick: given.quick && !given.full && !seed }
    const limits = yield* readLimits
    const known = new Set(all.map((t) => t.manifest.name))
    const names = Option.getOrElse(parsed.targets, () =>
      seed ? seedPreset.targets.filter((n) => known.has(n)) : all.map((t) => t.manifest.name)
    )
    const selected = yield* selectTargets(all, names)
    const largest = largestPowerOfTwo(limits)
    const defaultConnections = parsed.quick
      ? [1, 100, 1000]
      : seed
        ? [...seedPreset.connections]
        : [...new Set([1, 10, 100, 1000, 10000, largest, 32768])].sort((a, b) => a - b)
    const connections = Option.getOrElse(parsed.connections, () => defaultConnections)
    const bytes = Option.getOrElse(parsed.bytes, () => [32768, 524288])
    const client = yield* chooseClient(parsed.client)
    const shared = sharedCores(parsed.serverCores, parsed.clientCores)
    const options: RunOptions = {
      targets: selected.map((t) => t.manifest.name),
      client,
      connections,
      bytes,
      repetitions: Option.getOrElse(parsed.repetitions, () => (parsed.quick ? 2 : 3)),
      warmup: !parsed.quick && !seed,
      chunk: parsed.chunk,
      window: Option.getOrElse(parsed.window, () => parsed.chunk),
      serverCpus: parsed.serverCores.join(","),
      clientCpus: parsed.clientCores.join(","),
      ...(shared === undefined ? {} : { sharedCpus: shared }),
      pauseSeconds: 0,
      timeoutSeconds: parsed.timeout,
      quick: parsed.quick,
      saturate: parsed.saturate || seed,
      ...(Option.isSome(parsed.serverProcesses) ? { serverProcesses: parsed.serverProcesses.value } : {}),
      ...(seed ? { preset: "seed" } : {})
    }
    yield* checkBeforeTraffic(options)
    // A target named on the command line must run: its missing toolchain is an error (exit 3), not a skipped cell.
    if (Option.isSome(parsed.targets))
      yield* Effect.forEach(selected, (target) => checkAvailable(target), { discard: true })
    const infos = yield* Effect.forEach(selected, targetInfo, { concurrency: 4 })
    const environment = yield* collectEnvironment(
      client,
      client === "native" ? "C (build/c-epoll/flood)" : yield* runtimeVersion(client),
      repoRoot
    )
    const now = new Date()
    const run: RunFile = {
      schemaVersion: 1,
      id: newRunId(environment.host, now),
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      complete: false,
      environment,
      options,
      targets: infos,
      cells: planCells(infos, options, (name, n) => {
        const target = selected.find((t) => t.manifest.name === name)
        return target === undefined ? connectionsVerdict(limits, n) : cellVerdict(limits, target.manifest, n, options)
      })
    }
    yield* Console.log(doctorLines(limits, connections).join("\n"))
    return { run, selected, limits }
  })

export const compareCommand = Command.make("compare", options, (parsed) =>
  Effect.gen(function* () {
    const asked = Option.isSome(parsed.resume)
      ? undefined
      : yield* placeRequest({ ...parsed, saturate: parsed.saturate || Option.isSome(parsed.preset) })
    const all = yield* discoverTargets()
    const { run, selected, limits } = yield* Option.match(parsed.resume, {
      onNone: () => freshRun(parsed, all),
      onSome: (dir) =>
        Effect.gen(function* () {
          const run = yield* loadRun(dir)
          const selected = yield* selectTargets(all, run.options.targets)
          return { run, selected, limits: yield* readLimits }
        })
    })
    if (parsed.dryRun) {
      const asRoot = (yield* capture(["id", "-u"])).stdout.trim() === "0"
      const settings = run.options.preset === "seed" ? seedPreset.sysctls : []
      const seconds = run.options.preset === "seed" ? seedPreset.saturateSeconds : parsed.saturateDuration
      yield* Console.log(
        dryRunLines(run, selected, limits, settings, seconds, saturationConnections(run, limits), asRoot).join("\n")
      )
      return
    }
    const dir = Option.getOrElse(parsed.resume, () => `${parsed.runsDir}/${run.id}`).replace(/\/$/, "")
    const terminal = yield* Terminal.Terminal
    const tty = yield* terminal.isTTY
    const log = (line: string) => (tty ? terminal.display(`\r\x1b[K${line}\n`).pipe(Effect.ignore) : Console.log(line))
    const pending = run.cells.filter((c) => c.status === "pending").length
    const cores = [...new Set([...coresOf(run.options.serverCpus), ...coresOf(run.options.clientCpus)])]
    if (pending > 0) yield* checkCoresQuiet(cores, parsed.allowBusy, Console.error)
    yield* Console.log(
      `${Option.isSome(parsed.resume) ? "resuming" : "run"} ${dir}: ${countOf(selected.length, "target")}, ${countOf(run.cells.length, "cell")} (${pending} to measure), client ${run.options.client}, server on CPUs ${run.options.serverCpus}, client on CPUs ${run.options.clientCpus}${run.options.sharedCpus === undefined ? "" : ` (sharing ${run.options.sharedCpus})`}`
    )
    if (!Option.isSome(parsed.resume)) {
      // One line per target and reason, not per cell.
      const skipped = new Map<string, Array<number>>()
      for (const cell of run.cells) {
        if (cell.status !== "skipped") continue
        const key = `${cell.target}\u0000${cell.reason ?? ""}`
        skipped.set(key, [...(skipped.get(key) ?? []), cell.connections])
      }
      for (const [key, counts] of skipped) {
        const [target, reason] = key.split("\u0000")
        yield* Console.log(
          `  skipped ${target} (${[...new Set(counts)].join(", ")} connection${counts.length === 1 && counts[0] === 1 ? "" : "s"}): ${reason}`
        )
      }
    }
    const measured = Effect.gen(function* () {
      const request = asked ?? requestOfRun(run.options)
      const place = yield* acquirePlace(request)
      if (place.kind !== "loopback") yield* log(describePlace(place))
      const final = yield* runMatrix(yield* recordPlace(run, place, request), {
        place,
        dir,
        targets: selected,
        client: run.options.client as ClientKind,
        serverCores: coresOf(run.options.serverCpus),
        clientCores: coresOf(run.options.clientCpus),
        retryFailedTargets: parsed.retryFailedTargets,
        hooks: {
          progress: (event) =>
            tty
              ? terminal.display(`\r\x1b[K${progressLine(event)}`).pipe(Effect.ignore)
              : Console.log(progressLine(event)),
          log
        }
      })
      return final.options.saturate
        ? yield* saturationPhase(
            final,
            dir,
            selected,
            final.options.preset === "seed" ? seedPreset.saturateSeconds : parsed.saturateDuration,
            log,
            place,
            { server: coresOf(final.options.serverCpus)[0] ?? 0, client: coresOf(final.options.clientCpus)[0] ?? 1 }
          )
        : final
    }).pipe(
      Effect.scoped,
      Effect.onInterrupt(() =>
        Console.error(
          `\ninterrupted: what was measured is in ${dir}/run.json; continue with \`npm run compare -- --resume ${dir}\``
        )
      )
    )
    const saturated = yield* withSeedSysctls(run, dir, log, measured)
    const reports = yield* writeReports(dir)
    // The folder of runs gets its index refreshed; a failure there does not fail the run.
    const index = yield* refreshRunIndex(dir).pipe(Effect.option)
    const written = [
      reports.markdown,
      reports.csv,
      reports.html,
      reports.json,
      ...(reports.saturationCsv ? [reports.saturationCsv] : []),
      ...reports.charts,
      ...Option.toArray(index)
    ]
    yield* Console.log(`\n${terminalSummary(saturated)}`)
    const failed = saturated.cells.filter((c) => c.status === "failed").length
    const skipped = saturated.cells.filter((c) => c.status === "skipped").length
    yield* Console.log(
      `\n${saturated.complete ? "complete" : "incomplete"}: ${countOf(saturated.cells.filter((c) => c.status === "ok").length, "cell")} ok, ${failed} failed, ${skipped} skipped\nwrote ${[`${dir}/run.json`, ...written].join("\n      ")}`
    )
    if (failed > 0) return yield* new CellsFailed({ failed, dir })
  })
).pipe(Command.withDescription("Run the comparison matrix and write runs/<id>/ with run.json and reports"))
