/**
 * bench:core, the measuring instrument for our own code, as a plan: which
 * floods to run, in which order, written to `runs/<id>/run.json` like any
 * run (cells tagged by part, `plan: "bench-core"`). Servers on core 0,
 * clients on core 1; every repetition visits every cell once, in
 * alternating order, so slow drifts of the machine cancel out:
 *
 *   (a) Effect-core echo server vs the raw server on the same runtime, native client;
 *   (b) the TS flood client on node, deno and bun vs the native client, both against c-epoll;
 *   (c) every TS server vs the c-epoll server, native client;
 *   (d) memory: each server, fresh, with every connection open at once (--barrier),
 *       peak RSS (VmHWM) minus its idle RSS, in total and per connection.
 *
 * Floods are measured by the same sample runner as `compare`; each starts
 * only once both cores have been nearly idle for 200 ms (the machine is
 * shared). The tables are views of the file (report/BenchTables.ts).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { defaultFloodOptions, type FloodOptions } from "../engine/FloodOptions.ts"
import { coreLoads, processSnapshot, systemSnapshot } from "../system/ProcStat.ts"
import { serverPathsOf } from "../targets/ServerProcess.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import type { Target } from "../targets/TargetRegistry.ts"
import type { RuntimeName } from "../transport/Transport.ts"
import { summarizeCell } from "./CellSummary.ts"
import type { Cell, RunFile, Sample } from "./RunFile.ts"
import { saveRun } from "./RunStore.ts"
import { type ClientKind, runSample } from "./SampleRunner.ts"
import { drainTimeWait } from "./TimeWaitDrain.ts"

export const SERVER_CORE = 0
export const CLIENT_CORE = 1
export const BENCH_SERVERS = ["node", "node-raw", "deno", "deno-raw", "bun", "bun-raw", "c-epoll"] as const

export type Part = "a" | "b" | "c" | "d"

export interface BenchSize {
  readonly connections: number
  readonly bytesPerConnection: number
}

export interface BenchCorePlan {
  readonly repetitions: number
  /** Unmeasured rounds first (kept in run.json, marked warmup). */
  readonly warmupRounds: number
  readonly quick: boolean
  readonly parts: ReadonlyArray<Part>
  readonly sizes: ReadonlyArray<BenchSize>
  readonly memory: BenchSize & { readonly connectConcurrency: number }
  /** TS clients of part b. */
  readonly clients: ReadonlyArray<RuntimeName>
}

/** Busy share of the busier core while nothing of ours runs: what the other users of the machine take. */
const QUIET_BUSY = 0.15
const QUIET_WAIT_SECONDS = 20

/**
 * Waits (up to QUIET_WAIT_SECONDS) until both cores are nearly idle over a
 * 200 ms window and returns the busier core's share in the last window.
 */
const waitQuiet = Effect.gen(function* () {
  const deadline = Date.now() + QUIET_WAIT_SECONDS * 1000
  for (;;) {
    const before = yield* systemSnapshot
    yield* Effect.sleep("200 millis")
    const busy = Math.max(...coreLoads(before, yield* systemSnapshot).map((c) => c?.busy ?? 0))
    if (busy <= QUIET_BUSY || Date.now() >= deadline) return busy
  }
})

const floodOptions = (port: number, size: BenchSize): FloodOptions => ({
  ...defaultFloodOptions,
  port,
  connections: size.connections,
  bytesPerConnection: size.bytesPerConnection,
  window: defaultFloodOptions.chunk,
  timeoutSeconds: 120
})

/** The cells of parts a–c for one size: the native client on every server, then the TS clients on c-epoll. */
export const roundCells = (plan: BenchCorePlan, servers: ReadonlyArray<string>, size: BenchSize): Array<Cell> => {
  const base = { connections: size.connections, bytesPerConnection: size.bytesPerConnection, samples: [] }
  const cells: Array<Cell> = []
  const has = (part: Part) => plan.parts.includes(part)
  for (const server of servers) {
    // c-epoll with the native client is the yardstick of a, b and c alike; it is tagged by the first it serves.
    const part: Part | undefined =
      server === "c-epoll"
        ? has("c") || has("a")
          ? "c"
          : has("b")
            ? "b"
            : undefined
        : has("a")
          ? "a"
          : has("c")
            ? "c"
            : undefined
    if (part !== undefined) cells.push({ ...base, target: server, client: "native", part, status: "pending" })
  }
  if (has("b") && servers.includes("c-epoll")) {
    for (const client of plan.clients) cells.push({ ...base, target: "c-epoll", client, part: "b", status: "pending" })
  }
  return cells
}

export const memoryCells = (plan: BenchCorePlan, servers: ReadonlyArray<string>): Array<Cell> =>
  plan.parts.includes("d")
    ? servers.map((target) => ({
        target,
        connections: plan.memory.connections,
        bytesPerConnection: plan.memory.bytesPerConnection,
        client: "native",
        part: "d",
        status: "pending",
        samples: []
      }))
    : []

export interface BenchHooks {
  readonly log: (line: string) => Effect.Effect<void>
}

/**
 * Runs the plan whose cells `initial` holds (see roundCells and memoryCells),
 * rewriting `<dir>/run.json` after every flood.
 */
export const runBenchCore = (
  dir: string,
  initial: RunFile,
  plan: BenchCorePlan,
  targets: ReadonlyArray<Target>,
  hooks: BenchHooks
) =>
  Effect.gen(function* () {
    const cells = initial.cells.map((c) => ({ ...c, samples: [...c.samples] }))
    let run: RunFile = initial
    const save = Effect.suspend(() => {
      run = {
        ...run,
        cells: cells.map((c) => {
          const summary = summarizeCell(c.samples)
          return c.status === "pending" || summary === undefined ? c : { ...c, summary }
        })
      }
      return saveRun(dir, run)
    })
    const key = (c: Cell) => `${c.part}|${c.client}|${c.target}|${c.connections}|${c.bytesPerConnection}`
    const latest = (cell: Cell) => cells.find((c) => key(c) === key(cell))!
    const record = (cell: Cell, sample: Either.Either<Sample, { readonly message: string }>) =>
      Effect.gen(function* () {
        const index = cells.findIndex((c) => key(c) === key(cell))
        const current = cells[index]!
        if (Either.isLeft(sample)) {
          cells[index] = { ...current, status: "failed", reason: current.reason ?? sample.left.message }
        } else {
          const failed = sample.right.flood.ok ? undefined : (sample.right.flood.errorDetails[0]?.message ?? "failed")
          cells[index] = {
            ...current,
            samples: [...current.samples, sample.right],
            status: current.status === "failed" || failed !== undefined ? "failed" : "ok",
            ...(failed === undefined ? {} : { reason: current.reason ?? failed })
          }
        }
        yield* save
        return cells[index]!
      })
    const measure = (
      cell: Cell,
      server: { readonly pid: number; readonly readPath: string | undefined; readonly writePath: string | undefined },
      options: FloodOptions,
      repetition: number,
      warmup: boolean
    ) =>
      Effect.gen(function* () {
        const idleBusyBefore = yield* waitQuiet
        const sample = yield* Effect.either(
          runSample({
            client: (cell.client ?? "native") as ClientKind,
            options,
            serverPids: [server.pid],
            serverCores: [SERVER_CORE],
            clientCores: [CLIENT_CORE],
            repetition,
            warmup,
            timeClient: true
          })
        )
        return Either.map(
          sample,
          (s): Sample => ({
            ...s,
            idleBusyBefore,
            ...serverPathsOf(server)
          })
        )
      })

    yield* save
    const unavailable = new Map<string, string>()
    const floodCells = cells.filter((c) => c.part !== "d")
    if (floodCells.length > 0) {
      yield* Effect.scoped(
        Effect.gen(function* () {
          const running = new Map<
            string,
            {
              readonly pid: number
              readonly port: number
              readonly readPath: string | undefined
              readonly writePath: string | undefined
            }
          >()
          for (const target of targets) {
            const name = target.manifest.name
            if (!floodCells.some((c) => c.target === name)) continue
            const launched = yield* launchTarget(target, { cpus: String(SERVER_CORE) }).pipe(Effect.either)
            if (Either.isLeft(launched)) {
              unavailable.set(name, launched.left.message)
              yield* hooks.log(`${name} unavailable: ${launched.left.message}`)
              continue
            }
            running.set(name, launched.right)
            yield* hooks.log(`${name}: pid ${launched.right.pid}, port ${launched.right.port}`)
          }
          for (let round = 0; round < plan.warmupRounds + plan.repetitions; round++) {
            const warmup = round < plan.warmupRounds
            const repetition = warmup ? 0 : round - plan.warmupRounds + 1
            const ordered = round % 2 === 0 ? floodCells : floodCells.slice().reverse()
            for (const cell of ordered) {
              const server = running.get(cell.target)
              if (server === undefined || latest(cell).status === "failed") continue
              const sample = yield* measure(cell, server, floodOptions(server.port, cell), repetition, warmup)
              const now = yield* record(cell, sample)
              yield* hooks.log(progressLine(now, sample, warmup, repetition, plan.repetitions))
            }
          }
        })
      )
    }
    for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
      const memory = cells.filter((c) => c.part === "d")
      for (const cell of repetition % 2 === 1 ? memory : memory.slice().reverse()) {
        const target = targets.find((t) => t.manifest.name === cell.target)
        if (target === undefined || unavailable.has(cell.target)) continue
        yield* Effect.scoped(
          Effect.gen(function* () {
            // The floods before this one (part c, or the last memory flood) left their ports in TIME_WAIT.
            yield* drainTimeWait(cell.connections, hooks.log)
            const launched = yield* launchTarget(target, { cpus: String(SERVER_CORE) }).pipe(Effect.either)
            if (Either.isLeft(launched)) {
              unavailable.set(cell.target, launched.left.message)
              yield* record(cell, Either.left(launched.left))
              return
            }
            const server = launched.right
            yield* Effect.sleep("1 second")
            const idle = yield* processSnapshot(server.pid)
            const options: FloodOptions = {
              ...floodOptions(server.port, cell),
              barrier: true,
              connectConcurrency: plan.memory.connectConcurrency,
              stallTimeoutSeconds: 30
            }
            const sample = yield* measure(cell, server, options, repetition, false)
            const withMemory = Either.map(sample, (s): Sample => {
              const idleRss = Option.isSome(idle) ? idle.value.rssBytes : Number.NaN
              return s.server === undefined
                ? s
                : { ...s, memory: { idleRssBytes: idleRss, deltaBytes: s.server.peakRssBytes - idleRss } }
            })
            const now = yield* record(cell, withMemory)
            yield* hooks.log(progressLine(now, withMemory, false, repetition, plan.repetitions))
          })
        )
      }
    }
    for (const [index, cell] of cells.entries()) {
      if (cell.status === "pending") {
        const why = unavailable.get(cell.target)
        cells[index] = { ...cell, status: why === undefined ? "failed" : "skipped", reason: why ?? "not measured" }
      }
    }
    run = { ...run, complete: true }
    yield* save
    return run
  })

const progressLine = (
  cell: Cell,
  sample: Either.Either<Sample, { readonly message: string }>,
  warmup: boolean,
  repetition: number,
  repetitions: number
) => {
  const what = `${warmup ? "[warm-up]" : `[${cell.part === "d" ? "memory " : "rep "}${repetition}/${repetitions}]`} ${cell.connections}×${cell.bytesPerConnection / 1024}K ${(cell.client ?? "native").padEnd(6)} → ${cell.target.padEnd(8)}`
  if (Either.isLeft(sample)) return `${what} FAILED: ${sample.left.message}`
  const s = sample.right
  const busy = (share: number | undefined) => (share === undefined ? "-" : `${(share * 100).toFixed(0)}%`)
  const memory =
    s.memory === undefined ? "" : `  ${(s.memory.deltaBytes / s.flood.connections / 1024).toFixed(2)} KiB/conn`
  return `${what} ${s.flood.seconds.toFixed(3)} s  ${s.flood.mbPerSecond.toFixed(0)} MB/s  core0 ${busy(s.serverCore?.busy)} core1 ${busy(s.clientCore?.busy)}${s.clientBound ? "  client-bound" : ""}${memory}${(s.idleBusyBefore ?? 0) > QUIET_BUSY ? "  NOISY" : ""}${s.flood.ok ? "" : `  FAILED: ${s.flood.errorDetails[0]?.message ?? ""}`}`
}
