/**
 * `npm run bench:core`: the measuring instrument for our own code (issue 3).
 * In one run, with the servers pinned to core 0 and the clients to core 1,
 * interleaved (each repetition visits every cell once, in alternating
 * order), repeated, keeping the min and the median:
 *
 *   (a) Effect-core echo server vs the raw server on the same runtime, native client;
 *   (b) the TS flood client on node, deno and bun vs the native client, both against c-epoll;
 *   (c) every TS server vs the c-epoll server, native client;
 *   (d) memory: each server with every connection open at once (--barrier), peak RSS
 *       (VmHWM) minus the fresh server's idle RSS, in total and per connection.
 *
 * Each flood also records both sides' CPU and memory, and starts only once
 * both cores have been nearly idle for 200 ms (the machine is shared; see
 * NOTES.md). This process pins itself to the client's core and only waits
 * while the bytes flow. Progress goes to
 * stderr, the tables to stdout, and everything to
 * `runs/bench-core_<UTC time>_<host>/bench-core.json`, rewritten after every
 * flood. Every server is started through the target launcher in a scope, so
 * it is stopped by PID when the scope closes: at the end, on failure, or on
 * Ctrl-C (runMain turns SIGINT into interruption).
 *
 *   npm run bench:core -- [--repetitions 3] [--warmup 1] [--quick] [--parts abcd]
 *                         [--servers node,node-raw,…] [--clients node,deno,bun]
 *                         [--sizes 1000x524288,100x524288]
 */
import * as CliCommand from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { loadCurrentAdapter } from "../../adapters/current.ts"
import { defaultFloodOptions, type FloodOptions } from "../engine/FloodOptions.ts"
import { FloodReport } from "../engine/FloodResult.ts"
import { allTables } from "../report/BenchTables.ts"
import { capture } from "../system/CapturedCommand.ts"
import { runToCompletion } from "../system/ChildProcess.ts"
import type { CoreLoad } from "../system/CoreLoad.ts"
import { pinSelf } from "../system/CpuAffinity.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"
import {
  CLOCK_TICKS,
  coreLoads,
  type ProcessSnapshot,
  readProcessSnapshot,
  resetPeakRss,
  systemSnapshot
} from "../system/ProcStat.ts"
import { entryArgv, entryPoint, repoRoot } from "../targets/Runtimes.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets, selectTargets, type Target } from "../targets/TargetRegistry.ts"
import { type RuntimeName, runtimeNames } from "../transport/Transport.ts"
import type { ClientRun } from "./BenchClient.ts"
import {
  type BenchCore,
  type BenchEnvironment,
  type BenchPlan,
  type ClientName,
  type FloodSample,
  type MemorySample,
  type ProcessUsage,
  summarizeFloods,
  summarizeMemory
} from "./BenchResult.ts"
import { nativeClientPath, nativeFloodArgs } from "./NativeClient.ts"
import { CLIENT_START_SECONDS, clientBoundSeconds } from "./SampleRunner.ts"

const SERVER_CPUS = "0"
const CLIENT_CPUS = "1"
const CHUNK = defaultFloodOptions.chunk
const ALL_SERVERS = ["node", "node-raw", "deno", "deno-raw", "bun", "bun-raw", "c-epoll"]
const TIME_TAG = "echoflood-client-time"
const benchClientPath = `${repoRoot}/src/run/BenchClient.ts`

// --- one flood ---------------------------------------------------------------

interface ClientOutcome {
  readonly report: FloodReport | undefined
  readonly clientUsage: Omit<ProcessUsage, "pid"> | undefined
  /** Core shares over the flood, when the client measured them itself. */
  readonly cores: ReadonlyArray<CoreLoad | undefined> | undefined
  readonly problem?: string
}

const decodeReport = Schema.decodeUnknownOption(Schema.parseJson(FloodReport))

const lastLine = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .pop() ?? ""

const tail = (text: string) => text.trim().split("\n").slice(-5).join(" | ")

/** A client process pinned to the client core, waited on no longer than its own timeouts allow. */
const runClient = (name: string, argv: ReadonlyArray<string>, options: FloodOptions) =>
  runToCompletion(
    { name, argv, cpus: CLIENT_CPUS },
    clientBoundSeconds(options),
    `its --timeout ${options.timeoutSeconds} s + ${CLIENT_START_SECONDS} s to start and report`
  ).pipe(
    Effect.map((r) => ({
      exitCode: r.exit.signal ?? r.exit.code,
      stdout: r.stdout,
      stderr: r.output
    })),
    Effect.catchTag("ChildOverran", (e) => Effect.succeed({ exitCode: "overran", stdout: "", stderr: e.message })),
    Effect.catchTag("ChildFailedToStart", (e) => Effect.succeed({ exitCode: 127, stdout: "", stderr: e.message }))
  )

/** The native client, under /usr/bin/time for its CPU and peak RSS. */
const runNativeClient = (options: FloodOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const timed = yield* fs.exists("/usr/bin/time").pipe(Effect.orElseSucceed(() => false))
    const argv = [
      ...(timed ? ["/usr/bin/time", "-f", `${TIME_TAG} %e %U %S %M`] : []),
      nativeClientPath,
      ...nativeFloodArgs(options)
    ]
    const result = yield* runClient("native client", argv, options)
    const timing = new RegExp(`${TIME_TAG} (\\S+) (\\S+) (\\S+) (\\d+)`).exec(result.stderr)
    const clientUsage =
      timing === null
        ? undefined
        : {
            cpuUserSeconds: Number(timing[2]),
            cpuSystemSeconds: Number(timing[3]),
            cpuSeconds: Number(timing[2]) + Number(timing[3]),
            rssBytes: Number.NaN,
            peakRssBytes: Number(timing[4]) * 1024
          }
    const report = decodeReport(result.stdout.trim())
    return {
      report: Option.getOrUndefined(report),
      clientUsage,
      cores: undefined,
      ...(Option.isNone(report)
        ? { problem: `native client exited ${result.exitCode} without a report: ${tail(result.stderr)}` }
        : {})
    } satisfies ClientOutcome
  })

/** argv running the bench client on a runtime: the entry point's argv with our script in its place. */
const benchClientArgv = (runtime: RuntimeName, args: ReadonlyArray<string>) =>
  Effect.map(entryArgv(runtime, args), (argv) => argv.map((arg) => (arg === entryPoint ? benchClientPath : arg)))

/** The TS client on a runtime; it reports its own CPU and the cores' load over the flood alone. */
const runTsClient = (runtime: RuntimeName, options: FloodOptions) =>
  Effect.gen(function* () {
    const argv = yield* benchClientArgv(runtime, ["--options", JSON.stringify(options)])
    const result = yield* runClient(`${runtime} client`, argv, options)
    let run: ClientRun | undefined
    try {
      run = JSON.parse(lastLine(result.stdout)) as ClientRun
    } catch {
      run = undefined
    }
    const report = run === undefined ? Option.none() : decodeReport(JSON.stringify(run.report))
    if (run === undefined || Option.isNone(report)) {
      return {
        report: undefined,
        clientUsage: undefined,
        cores: undefined,
        problem: `${runtime} client exited ${result.exitCode} without a report: ${tail(result.stderr)}`
      } satisfies ClientOutcome
    }
    return {
      report: report.value,
      clientUsage: { ...run.client, cpuSeconds: run.client.cpuUserSeconds + run.client.cpuSystemSeconds },
      // The client writes null for a core it could not read.
      cores: run.cores.map((load) => load ?? undefined)
    } satisfies ClientOutcome
  })

const usageBetween = (before: ProcessSnapshot, after: ProcessSnapshot): ProcessUsage => ({
  pid: after.pid,
  cpuUserSeconds: (after.userTicks - before.userTicks) / CLOCK_TICKS,
  cpuSystemSeconds: (after.systemTicks - before.systemTicks) / CLOCK_TICKS,
  cpuSeconds: (after.userTicks - before.userTicks + after.systemTicks - before.systemTicks) / CLOCK_TICKS,
  rssBytes: after.rssBytes,
  peakRssBytes: after.peakRssBytes
})

interface Running {
  readonly name: string
  readonly pid: number
  readonly port: number
  readonly readPath?: string | undefined
}

interface Flooded {
  readonly outcome: ClientOutcome
  readonly serverUsage: ProcessUsage | undefined
  readonly serverCore: CoreLoad | undefined
  readonly clientCore: CoreLoad | undefined
  readonly startedAt: string
  /** Busier core's share just before the flood, with none of our processes working. */
  readonly idleBusy: number
}

/** Busy share of the busier core while nothing of ours runs: what the other users of the machine take. */
const QUIET_BUSY = 0.15
const QUIET_WAIT_SECONDS = 20

/**
 * Waits (up to QUIET_WAIT_SECONDS) until both cores are nearly idle over a
 * 200 ms window, so a flood does not start while someone else's job runs.
 * Returns the busier core's share in the last window (0..1).
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

/** Floods `server` with `client`, reading the server's /proc and the cores around it. */
const flood = (server: Running, client: ClientName, options: FloodOptions) =>
  Effect.gen(function* () {
    const idleBusy = yield* waitQuiet
    const startedAt = new Date().toISOString()
    const before = yield* readProcessSnapshot(server.pid).pipe(Effect.option)
    const coresBefore = yield* systemSnapshot
    const outcome = client === "native" ? yield* runNativeClient(options) : yield* runTsClient(client, options)
    const coresAfter = yield* systemSnapshot
    const after = yield* readProcessSnapshot(server.pid).pipe(Effect.option)
    const cores = outcome.cores ?? coreLoads(coresBefore, coresAfter)
    return {
      outcome,
      serverUsage: Option.isSome(before) && Option.isSome(after) ? usageBetween(before.value, after.value) : undefined,
      serverCore: cores[Number(SERVER_CPUS)],
      clientCore: cores[Number(CLIENT_CPUS)],
      startedAt,
      idleBusy
    } satisfies Flooded
  })

const floodOptions = (port: number, connections: number, bytesPerConnection: number): FloodOptions => ({
  ...defaultFloodOptions,
  port,
  connections,
  bytesPerConnection,
  window: CHUNK,
  timeoutSeconds: 120
})

// --- the run's state and its file ----------------------------------------------

interface State {
  readonly dir: string
  readonly startedAt: string
  readonly plan: BenchPlan
  environment: BenchEnvironment
  readonly unavailable: Record<string, string>
  readonly samples: Array<FloodSample>
  readonly memorySamples: Array<MemorySample>
  finished: boolean
}

const snapshot = (state: State): BenchCore => ({
  kind: "bench-core",
  startedAt: state.startedAt,
  updatedAt: new Date().toISOString(),
  finished: state.finished,
  plan: state.plan,
  environment: state.environment,
  unavailable: state.unavailable,
  samples: state.samples,
  memorySamples: state.memorySamples,
  summaries: summarizeFloods(state.samples),
  memorySummaries: summarizeMemory(state.memorySamples)
})

/** Rewrites bench-core.json through a temporary file, so a crash never leaves it torn. */
const save = (state: State) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = `${state.dir}/bench-core.json`
    const temp = `${path}.tmp`
    yield* fs.writeFileString(temp, `${JSON.stringify(snapshot(state), null, 2)}\n`)
    yield* fs.rename(temp, path)
  })

const fmt = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits)
const share = (core: CoreLoad | undefined) => (core === undefined ? "-" : `${(core.busy * 100).toFixed(0)}%`)
const sizeText = (connections: number, bytes: number) => `${connections}×${bytes / 1024}K`

const progress = (line: string) => Console.error(line)

// --- environment -----------------------------------------------------------------

const firstLine = (argv: ReadonlyArray<string>) =>
  Effect.map(capture(argv), (r) =>
    r.exitCode === 0 ? lastLine(`${r.stdout}\n${r.stderr}`.split("\n")[0] ?? "") : "unknown"
  )

const readEnvironment = Effect.gen(function* () {
  const os = yield* OperatingSystem
  const machine = yield* os.machine
  const git = yield* capture(["git", "-C", repoRoot, "rev-parse", "HEAD"])
  const dirty = yield* capture(["git", "-C", repoRoot, "status", "--porcelain"])
  const versions: Record<string, string> = {}
  for (const runtime of runtimeNames) {
    const argv = yield* entryArgv(runtime, []).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    const binary = argv.find((a) => a.includes("/") || a === "node")
    versions[runtime] = binary === undefined ? "missing" : yield* firstLine([binary, "--version"])
  }
  versions.cc = yield* firstLine(["cc", "--version"])
  return {
    host: machine.host,
    kernel: machine.kernel,
    cpuModel: machine.cpuModel,
    cores: yield* os.cpuCount,
    gitCommit: git.exitCode === 0 ? git.stdout.trim() : "unknown",
    gitDirty: dirty.stdout.trim() !== "",
    versions,
    somaxconn: Option.getOrElse(yield* os.sysctl("net.core.somaxconn"), () => "")
  } satisfies BenchEnvironment
})

// --- parts (a), (b), (c): interleaved rounds ----------------------------------------

interface Cell {
  readonly client: ClientName
  readonly server: string
}

const roundCells = (plan: BenchPlan, servers: ReadonlyArray<string>, clients: ReadonlyArray<RuntimeName>) => {
  const cells: Array<Cell> = []
  const wantServers = plan.parts.includes("a") || plan.parts.includes("c")
  for (const server of servers) {
    if (server === "c-epoll") {
      if (wantServers || plan.parts.includes("b")) cells.push({ client: "native", server })
    } else if (wantServers) {
      cells.push({ client: "native", server })
    }
  }
  if (plan.parts.includes("b") && servers.includes("c-epoll")) {
    for (const client of clients) cells.push({ client, server: "c-epoll" })
  }
  return cells
}

const runRounds = (state: State, targets: ReadonlyArray<Target>, clients: ReadonlyArray<RuntimeName>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const running = new Map<string, Running>()
      for (const target of targets) {
        const name = target.manifest.name
        yield* progress(`starting ${name} on core ${SERVER_CPUS} …`)
        const launched = yield* launchTarget(target, { cpus: SERVER_CPUS }).pipe(Effect.either)
        if (Either.isLeft(launched)) {
          state.unavailable[name] = launched.left.message
          yield* progress(`  ${name} unavailable: ${launched.left.message}`)
          continue
        }
        running.set(name, {
          name,
          pid: launched.right.pid,
          port: launched.right.port,
          readPath: launched.right.readPath
        })
        yield* progress(`  ${name}: pid ${launched.right.pid}, port ${launched.right.port}`)
      }
      const cells = roundCells(
        state.plan,
        ALL_SERVERS.filter((s) => running.has(s)),
        clients
      )
      const rounds = state.plan.warmup + state.plan.repetitions
      for (let round = 0; round < rounds; round++) {
        const warmup = round < state.plan.warmup
        const repetition = warmup ? round + 1 : round - state.plan.warmup + 1
        // Alternate the order (ABC… then …CBA) so slow drifts of the machine cancel out.
        const ordered = round % 2 === 0 ? cells : cells.slice().reverse()
        for (const size of state.plan.sizes) {
          for (const cell of ordered) {
            const server = running.get(cell.server)!
            const options = floodOptions(server.port, size.connections, size.bytesPerConnection)
            const result = yield* flood(server, cell.client, options)
            const report = result.outcome.report
            const clientBound =
              result.clientCore !== undefined &&
              result.serverCore !== undefined &&
              result.clientCore.busy > 0.9 &&
              result.clientCore.busy > result.serverCore.busy
            const sample: FloodSample = {
              repetition,
              warmup,
              startedAt: result.startedAt,
              client: cell.client,
              server: cell.server,
              connections: size.connections,
              bytesPerConnection: size.bytesPerConnection,
              ok: report?.ok === true,
              seconds: report?.seconds ?? Number.NaN,
              mbPerSecond: report?.mbPerSecond ?? Number.NaN,
              serverUsage: result.serverUsage,
              serverReadPath: server.readPath,
              clientUsage: result.outcome.clientUsage,
              serverCore: result.serverCore,
              clientCore: result.clientCore,
              clientBound,
              idleBusyBefore: result.idleBusy,
              report,
              ...(result.outcome.problem === undefined ? {} : { problem: result.outcome.problem })
            }
            state.samples.push(sample)
            yield* save(state)
            const errors =
              report === undefined
                ? ` FAILED: ${result.outcome.problem}`
                : report.ok
                  ? ""
                  : ` FAILED: ${JSON.stringify(report.errors)} ${report.errorDetails[0]?.message ?? ""}`
            yield* progress(
              `${warmup ? "[warm-up]" : `[rep ${repetition}/${state.plan.repetitions}]`} ${sizeText(size.connections, size.bytesPerConnection).padEnd(9)} ${cell.client.padEnd(6)} → ${cell.server.padEnd(8)} ${fmt(sample.seconds, 3)} s  ${fmt(sample.mbPerSecond, 0)} MB/s  server CPU ${fmt(sample.serverUsage?.cpuSeconds, 2)} s  client CPU ${fmt(sample.clientUsage?.cpuSeconds, 2)} s  core0 ${share(sample.serverCore)} core1 ${share(sample.clientCore)}${clientBound ? "  client-bound" : ""}${result.idleBusy > QUIET_BUSY ? `  NOISY (${(result.idleBusy * 100).toFixed(0)}% busy before)` : ""}${errors}`
            )
          }
        }
      }
    })
  )

// --- part (d): memory, a fresh server per measurement ----------------------------------

const measureMemory = (state: State, target: Target, repetition: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const name = target.manifest.name
      const plan = state.plan.memory
      const launched = yield* launchTarget(target, { cpus: SERVER_CPUS }).pipe(Effect.either)
      if (Either.isLeft(launched)) {
        state.unavailable[name] = launched.left.message
        yield* progress(`  ${name} unavailable: ${launched.left.message}`)
        return
      }
      const server: Running = { name, pid: launched.right.pid, port: launched.right.port }
      yield* Effect.sleep("1 second")
      const idle = yield* readProcessSnapshot(server.pid)
      // From here VmHWM is the peak of the flood, not of start-up (JIT, module loading).
      yield* resetPeakRss(server.pid).pipe(Effect.ignore)
      const options: FloodOptions = {
        ...floodOptions(server.port, plan.connections, plan.bytesPerConnection),
        barrier: true,
        connectConcurrency: plan.connectConcurrency,
        stallTimeoutSeconds: 30
      }
      const result = yield* flood(server, "native", options)
      const report = result.outcome.report
      const peak = result.serverUsage?.peakRssBytes ?? Number.NaN
      const delta = peak - idle.rssBytes
      const sample: MemorySample = {
        repetition,
        startedAt: result.startedAt,
        server: name,
        connections: plan.connections,
        bytesPerConnection: plan.bytesPerConnection,
        ok: report?.ok === true,
        idleRssBytes: idle.rssBytes,
        idlePeakRssBytes: idle.peakRssBytes,
        peakRssBytes: peak,
        deltaBytes: delta,
        kibPerConnection: delta / plan.connections / 1024,
        seconds: report?.seconds ?? Number.NaN,
        connectSeconds: report?.connectSeconds ?? Number.NaN,
        serverUsage: result.serverUsage,
        serverCore: result.serverCore,
        clientCore: result.clientCore,
        idleBusyBefore: result.idleBusy,
        report,
        ...(result.outcome.problem === undefined ? {} : { problem: result.outcome.problem })
      }
      state.memorySamples.push(sample)
      yield* save(state)
      const errors =
        report === undefined
          ? ` FAILED: ${result.outcome.problem}`
          : report.ok
            ? ""
            : ` FAILED: ${JSON.stringify(report.errors)} ${report.errorDetails[0]?.message ?? ""}`
      yield* progress(
        `[memory ${repetition}/${state.plan.repetitions}] ${name.padEnd(8)} idle ${fmt(idle.rssBytes / 1048576, 1)} MiB  peak ${fmt(peak / 1048576, 1)} MiB  ${fmt(sample.kibPerConnection, 2)} KiB/conn  (connect ${fmt(sample.connectSeconds, 2)} s, total ${fmt(sample.seconds, 2)} s)${errors}`
      )
    })
  )

const runMemory = (state: State, targets: ReadonlyArray<Target>) =>
  Effect.gen(function* () {
    for (let repetition = 1; repetition <= state.plan.repetitions; repetition++) {
      const ordered = repetition % 2 === 1 ? targets : targets.slice().reverse()
      for (const target of ordered) {
        if (state.unavailable[target.manifest.name] !== undefined) continue
        yield* measureMemory(state, target, repetition)
      }
    }
  })

// --- the command ----------------------------------------------------------------------

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

const options = {
  repetitions: Options.integer("repetitions").pipe(
    Options.withDefault(3),
    Options.withDescription("Measured repetitions of every cell (min and median are kept)")
  ),
  warmup: Options.integer("warmup").pipe(
    Options.withDefault(1),
    Options.withDescription("Unmeasured rounds first, so JITs are warm (kept in the JSON, marked warmup)")
  ),
  quick: Options.boolean("quick").pipe(
    Options.withDescription("Fewer connections (100 and 10 × 512 KiB; 1000 for memory): a fast smoke test")
  ),
  parts: Options.text("parts").pipe(
    Options.withDefault("abcd"),
    Options.withDescription("Which parts to run: a (core vs raw), b (clients), c (servers vs c-epoll), d (memory)")
  ),
  servers: Options.text("servers").pipe(
    Options.withDefault(ALL_SERVERS.join(",")),
    Options.withDescription("Servers to include (c-epoll is needed for b and c)")
  ),
  sizes: Options.text("sizes").pipe(
    Options.optional,
    Options.withDescription("Flood sizes as connections×bytes, e.g. 1000x524288,100x524288 (default by --quick)")
  ),
  clients: Options.text("clients").pipe(
    Options.withDefault(runtimeNames.join(",")),
    Options.withDescription("TS clients to include in part b")
  )
}

const benchCommand = CliCommand.make("bench-core", options, (parsed) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (parsed.repetitions < 1 || parsed.warmup < 0)
      return yield* Effect.fail(new Error("--repetitions must be ≥ 1, --warmup ≥ 0"))
    const parts = Array.from(parsed.parts.toLowerCase()).filter((p) => "abcd".includes(p))
    if (parts.length === 0)
      return yield* Effect.fail(new Error("--parts must name some of a, b, c, d (e.g. --parts abcd)"))
    const serverNames = list(parsed.servers)
    const clients = list(parsed.clients).filter((c): c is RuntimeName =>
      (runtimeNames as ReadonlyArray<string>).includes(c)
    )
    const plan: BenchPlan = {
      repetitions: parsed.repetitions,
      warmup: parsed.warmup,
      quick: parsed.quick,
      parts,
      sizes: Option.isSome(parsed.sizes)
        ? list(parsed.sizes.value).map((text) => {
            const [connections, bytes] = text.split(/[x×]/).map(Number)
            return { connections: connections!, bytesPerConnection: bytes! }
          })
        : parsed.quick
          ? [
              { connections: 100, bytesPerConnection: 512 * 1024 },
              { connections: 10, bytesPerConnection: 512 * 1024 }
            ]
          : [
              { connections: 1000, bytesPerConnection: 512 * 1024 },
              { connections: 100, bytesPerConnection: 512 * 1024 }
            ],
      memory: { connections: parsed.quick ? 1000 : 16000, bytesPerConnection: 32 * 1024, connectConcurrency: 256 },
      serverCpus: SERVER_CPUS,
      clientCpus: CLIENT_CPUS
    }
    for (const size of plan.sizes) {
      if (
        !Number.isSafeInteger(size.connections) ||
        size.connections < 1 ||
        !Number.isSafeInteger(size.bytesPerConnection) ||
        size.bytesPerConnection < 1
      ) {
        return yield* Effect.fail(
          new Error(
            `--sizes: each size must be connections×bytes, e.g. 1000x524288 (got ${parsed.sizes.pipe(Option.getOrElse(() => ""))})`
          )
        )
      }
    }
    const all = yield* discoverTargets()
    const targets = yield* selectTargets(
      all,
      ALL_SERVERS.filter((s) => serverNames.includes(s))
    )
    // The orchestrator is idle during floods; keep it off the server's core.
    yield* pinSelf(CLIENT_CPUS)
    const environment = yield* readEnvironment
    const startedAt = new Date()
    const id = `bench-core_${startedAt
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replaceAll(":", "-")}_${environment.host.replace(/[^A-Za-z0-9.-]/g, "_")}`
    const dir = `${repoRoot}/runs/${id}`
    yield* fs.makeDirectory(dir, { recursive: true })
    const state: State = {
      dir,
      startedAt: startedAt.toISOString(),
      plan,
      environment,
      unavailable: {},
      samples: [],
      memorySamples: [],
      finished: false
    }
    yield* save(state)
    yield* progress(
      `bench:core → ${dir}/bench-core.json\n  parts ${parts.join("")}, ${plan.repetitions} repetitions (+${plan.warmup} warm-up), sizes ${plan.sizes.map((s) => sizeText(s.connections, s.bytesPerConnection)).join(", ")}, memory ${plan.memory.connections} connections; servers on core ${SERVER_CPUS}, clients on core ${CLIENT_CPUS}`
    )
    yield* Effect.gen(function* () {
      if (parts.some((p) => p !== "d")) yield* runRounds(state, targets, clients)
      if (parts.includes("d")) yield* runMemory(state, targets)
    }).pipe(
      Effect.onInterrupt(() =>
        progress(`interrupted: every server started has been stopped; what was measured is in ${dir}/bench-core.json`)
      )
    )
    state.finished = true
    yield* save(state)
    yield* Console.log(allTables(snapshot(state)))
    yield* Console.log(`\nwritten: ${dir}/bench-core.json`)
  })
)

const adapter = await loadCurrentAdapter()

const program = CliCommand.run(benchCommand, { name: "bench-core", version: "0.1.0" })(adapter.argv).pipe(
  Effect.tapError((error) => Console.error(`bench:core: ${error instanceof Error ? error.message : String(error)}`)),
  Effect.provide(LinuxSystem.layer),
  Effect.provide(Layer.merge(adapter.transport, adapter.platform))
)

adapter.runMain(program, { disableErrorReporting: true })
