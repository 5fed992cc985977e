/**
 * `flood`: floods an echo server and verifies every byte. Without `--port`
 * it starts our own echo server as a child process (pinned to core 0, this
 * client to core 1 where there are two cores, or to --server-cores and
 * --client-cores) and stops it afterwards.
 */
import * as Command from "@effect/cli/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions, type FloodOptions, InvalidOption, validateFloodOptions } from "../engine/FloodOptions.ts"
import type { FloodReport } from "../engine/FloodResult.ts"
import { floodWarnings, formatRepetitions, formatSummary } from "../report/FloodSummary.ts"
import { busyWords, coresBusy } from "../run/BusyCores.ts"
import { type Repeated, repeatFlood } from "../run/FloodRepetitions.ts"
import { decideWorkers, workerFloodOptions } from "../run/FloodWorkers.ts"
import { runNativeFlood } from "../run/NativeClient.ts"
import { decideNetwork, describeNetwork, type NetworkChoice } from "../run/NetworkChoice.ts"
import { runRuntimeClient } from "../run/RuntimeClient.ts"
import { floodBeyondOneProcess, splitRequest } from "../run/SplitFlood.ts"
import { describeExit } from "../system/ChildProcess.ts"
import { pinSelf } from "../system/CpuAffinity.ts"
import { checkConnectionsFit, cpuCount } from "../system/Limits.ts"
import { countingOverflows, isLoopbackHost, overflowAdvice } from "../system/ListenQueue.ts"
import { acquireTestHost, describeLink } from "../system/TestHost.ts"
import { entryArgv, runtimeBinary, runtimeVersion } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import { Transport } from "../transport/Transport.ts"
import { MeasurementFailed } from "./ExitCodes.ts"
import { floodOptions as options } from "./FloodCommandOptions.ts"
import { checkCoresExist, sharedCores } from "./OptionValues.ts"

type Given = Command.Command.ParseConfig<typeof options>
/** The client resolved: "ts" is our client in this process (the default, or --client naming this runtime). */
type Parsed = Omit<Given, "client"> & {
  readonly client: "ts" | Exclude<Option.Option.Value<Given["client"]>, "ts">
  /** Set once what was measured before an interrupt is printed. */
  readonly interrupted: { shown: boolean }
}

const resolveClient = (given: Given, runtime: string, interrupted: { shown: boolean }): Parsed => {
  const client = Option.getOrElse(given.client, () => "ts" as const)
  return { ...given, client: client === runtime ? "ts" : client, interrupted }
}

// A write is never larger than what a connection sends, so the summary names the chunk really used.
const toFloodOptions = (parsed: Parsed, port: number): FloodOptions => ({
  host: parsed.host,
  port,
  connections: parsed.connections,
  bytesPerConnection: parsed.bytes,
  chunk: Math.min(parsed.chunk, parsed.bytes),
  window: Option.getOrElse(parsed.window, () => Math.min(parsed.chunk, parsed.bytes)),
  barrier: parsed.barrier,
  timeoutSeconds: parsed.timeout,
  stallTimeoutSeconds: parsed.stallTimeout,
  connectConcurrency: parsed.connectConcurrency,
  connectTimeoutSeconds: defaultFloodOptions.connectTimeoutSeconds,
  noDelay: defaultFloodOptions.noDelay,
  sourceAddress: Option.getOrUndefined(parsed.sourceAddress)
})

/** The C client, or our TS client on another runtime or version, each as its own process. */
const childClient = (client: Exclude<Parsed["client"], "ts">, floodOptions: FloodOptions) =>
  client === "native" ? runNativeFlood(floodOptions) : runRuntimeClient(client, floodOptions)

const flood = (parsed: Parsed, floodOptions: FloodOptions) =>
  parsed.client !== "ts"
    ? childClient(parsed.client, floodOptions)
    : runFlood(
        floodOptions,
        (progress) => {
          if (!parsed.json) {
            // Progress goes to stderr so stdout stays the result alone.
            void Effect.runFork(
              Console.error(
                `  … ${progress.connected} connected, ${progress.completed} done, ${progress.failed} failed, ${(progress.bytesVerified / 1e6).toFixed(1)} MB verified`
              )
            )
          }
        },
        // Ctrl-C: show what was measured, marked as interrupted, rather than nothing.
        (partial) =>
          Effect.zipRight(
            Effect.sync(() => {
              parsed.interrupted.shown = true
            }),
            Console.log(
              parsed.json
                ? JSON.stringify({ ...partial, ok: false, interrupted: true })
                : `interrupted — measured so far:\n${formatSummary(partial, `${floodOptions.host}:${floodOptions.port}`)}`
            )
          )
      )

type Flooded = ReturnType<typeof flood>

const floodRepeated = (parsed: Parsed, floodOptions: FloodOptions) => {
  const once: Effect.Effect<FloodReport, Effect.Effect.Error<Flooded>, Effect.Effect.Context<Flooded>> = flood(
    parsed,
    floodOptions
  )
  return repeatFlood(once, parsed.repetitions, parsed.warmup, (line) =>
    parsed.json ? Effect.void : Console.error(`  ${line}`)
  )
}

/** @category errors */
export class NothingListening extends Data.TaggedError("NothingListening")<{
  readonly host: string
  readonly port: number
}> {
  override get message() {
    return `nothing is listening at ${this.host}:${this.port}: start a server there (\`echoflood serve --port ${this.port}\`), or leave --port out and flood starts one`
  }
}

const withOverflows = (result: FloodReport, listenOverflows: number | undefined): FloodReport =>
  listenOverflows === undefined ? result : { ...result, listenOverflows }

const everyConnectionRefused = (result: FloodReport) =>
  result.connectionsCompleted === 0 && Object.keys(result.errors).length === 1 && (result.errors.refused ?? 0) > 0

const report = (
  parsed: Parsed,
  { result, repetitions }: Repeated,
  serverLabel: string,
  server?: unknown,
  crash?: string
) =>
  Effect.gen(function* () {
    const many = repetitions !== undefined && (repetitions.seconds.length > 1 || repetitions.warmup > 0)
    yield* Console.log(
      parsed.json
        ? JSON.stringify({ ...result, ...(server === undefined ? {} : { server }), ...(many ? { repetitions } : {}) })
        : `${many ? `${formatRepetitions(repetitions)}\n` : ""}${formatSummary(result, serverLabel)}`
    )
    for (const warning of floodWarnings(result, repetitions)) yield* Console.error(warning)
    const overflows = result.listenOverflows ?? 0
    if (result.ok && overflows > 0) yield* Console.error(`warning: connects were delayed${overflowAdvice(overflows)}`)
    if (!result.ok) {
      const kinds = Object.entries(result.errors)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(", ")
      return yield* new MeasurementFailed({
        summary: `${result.connections - result.connectionsCompleted} of ${result.connections} connections failed (${kinds})${crash === undefined ? "" : `: ${crash}`}${overflowAdvice(result.listenOverflows)}`
      })
    }
  })

const floodOwnServer = (parsed: Parsed, network: NetworkChoice) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const serverRuntime = Option.getOrElse(parsed.server, () => transport.runtime.name)
    const cores = yield* cpuCount
    const testHost = network.kind === "veth" ? yield* acquireTestHost(0, network.link) : undefined
    const host = testHost?.insideAddress ?? parsed.host
    const argv = yield* entryArgv(serverRuntime, ["serve", "--host", host, "--port", "0"])
    if (testHost !== undefined && !parsed.json)
      yield* Console.error(
        `test host ${testHost.namespace} at ${host} behind a veth link (${describeLink(network.link)})`
      )
    const server = yield* startServer({
      name: `${serverRuntime} echo server`,
      argv: testHost === undefined ? argv : testHost.exec(argv),
      cpus: Option.match(parsed.serverCores, {
        onNone: () => (cores >= 2 ? "0" : undefined),
        onSome: (c) => c.join(",")
      }),
      readyTimeout: "30 seconds"
    })
    const clientCpus = Option.match(parsed.clientCores, {
      onNone: () => (cores >= 2 ? "1" : undefined),
      onSome: (c) => c.join(",")
    })
    if (clientCpus !== undefined) yield* pinSelf(clientCpus)
    const shared = sharedCores(
      Option.getOrElse(parsed.serverCores, () => [0]),
      Option.getOrElse(parsed.clientCores, () => [1])
    )
    if (
      shared !== undefined &&
      (Option.isSome(parsed.serverCores) || Option.isSome(parsed.clientCores)) &&
      !parsed.json
    )
      yield* Console.error(`server and client share CPUs ${shared}: they compete for those cores`)
    if (!parsed.json)
      yield* Console.error(`started ${serverRuntime} echo server (pid ${server.pid}) on ${host}:${server.port}`)
    const floodOptions = yield* validateFloodOptions({ ...toFloodOptions(parsed, server.port), host })
    const floodStartedAt = Date.now()
    const counted = yield* countingOverflows(floodRepeated(parsed, floodOptions), server.pid)
    const repeated = counted.result
    const measured = withOverflows(repeated.result, counted.listenOverflows)
    const result = testHost === undefined ? measured : { ...measured, network: describeNetwork(network) }
    // A killed server shows first as resets; its exit may be registered a moment later.
    const died = yield* server.child.awaitExit(result.ok ? 0 : "1 second")
    let crash: string | undefined
    if (Option.isSome(died)) {
      const exit = died.value
      crash = `the ${serverRuntime} echo server ${describeExit(exit)}`
      yield* Console.error(
        `the ${serverRuntime} echo server (pid ${server.pid}) exited during the flood: it ${describeExit(exit)} ${((exit.at - floodStartedAt) / 1000).toFixed(2)} s into the flood; last lines of its output:\n${server.child.output(10)}`
      )
    }
    // The server's runtime and exact version sit beside the client's (runtime, runtimeVersion) in --json.
    const serverVersion = yield* runtimeVersion(serverRuntime)
    yield* report(
      parsed,
      { ...repeated, result },
      `${serverRuntime} ${serverVersion} echo server (pid ${server.pid})`,
      { runtime: serverRuntime, runtimeVersion: serverVersion },
      crash
    )
  }).pipe(Effect.scoped)

export const floodCommand = Command.make("flood", options, (given) => {
  const interrupted = { shown: false }
  return Effect.gen(function* () {
    const runtime = (yield* Transport).runtime.name
    const parsed = resolveClient(given, runtime, interrupted)
    // Validate everything before the first connect or spawn; the port is checked below.
    yield* validateFloodOptions(
      toFloodOptions(
        parsed,
        Option.getOrElse(parsed.port, () => 1)
      )
    )
    if (Option.isSome(parsed.serverCores)) yield* checkCoresExist("server-cores", parsed.serverCores.value)
    if (Option.isSome(parsed.clientCores)) yield* checkCoresExist("client-cores", parsed.clientCores.value)
    // A runtime version that is not installed fails here, before a server is started.
    if (parsed.client !== "ts" && parsed.client !== "native") yield* runtimeBinary(parsed.client)
    if (Option.isSome(parsed.server)) yield* runtimeBinary(parsed.server.value)
    const network = yield* decideNetwork(parsed.network, parsed.linkRate, parsed.linkDelay)
    // Another program on the cores shows up in every figure: say so before measuring.
    const busy = busyWords(yield* coresBusy(Array.from({ length: yield* cpuCount }, (_, core) => core)))
    if (busy !== undefined) yield* Console.error(`warning: ${busy} before the flood: figures will be noisy`)
    const beyond = yield* floodBeyondOneProcess(
      splitRequest(parsed, network.kind, (yield* Transport).runtime.name),
      (port) => validateFloodOptions(toFloodOptions(parsed, port))
    )
    if (beyond !== undefined) return yield* report(parsed, { result: beyond.result }, beyond.label)
    yield* checkConnectionsFit(parsed.connections, "the flood client")
    if (network.kind === "veth" && Option.isSome(parsed.port)) {
      return yield* new InvalidOption({
        option: "network",
        value: "veth",
        problem: "puts the server that flood starts in a test host, and --port names a server already running",
        fix: "Drop --port to let flood start its server in the test host, or drop --network veth"
      })
    }
    if (Option.isSome(parsed.sourceAddress) && parsed.client === "ts" && runtime !== "node") {
      return yield* new InvalidOption({
        option: "source-address",
        value: parsed.sourceAddress.value,
        problem: `the ${runtime} client cannot bind a source address (its connect API has no local address)`,
        fix: "Flood with the Node client (`npm run flood`) or the native one (`--client native`)."
      })
    }
    const worker = yield* decideWorkers(
      parsed.workers,
      parsed.workerIndex,
      parsed.startAt,
      parsed.connections,
      Date.now()
    )
    if (worker !== undefined) {
      if (parsed.repetitions > 1 || parsed.warmup > 0) {
        return yield* new InvalidOption({
          option: parsed.repetitions > 1 ? "repetitions" : "warmup",
          value: parsed.repetitions > 1 ? parsed.repetitions : parsed.warmup,
          problem: "repeats one flood, and a worker floods its share once",
          fix: "Drop --repetitions/--warmup with --workers, or run the workers again"
        })
      }
      if (Option.isNone(parsed.port)) {
        return yield* new InvalidOption({
          option: "workers",
          value: worker.workers,
          problem: "floods a server every worker shares, and no --port names it",
          fix: "Start the server first (e.g. echoflood serve --host 198.18.0.2 --port 7000) and give --host and --port"
        })
      }
      if (worker.startAtMs !== undefined && parsed.client !== "ts") {
        return yield* new InvalidOption({
          option: "start-at",
          value: worker.startAtMs,
          problem: `is kept by the flood client in this process, not by --client ${parsed.client}`,
          fix: "Drop --client (run the worker on the runtime you want: npm, bun or deno task flood)"
        })
      }
    }
    if (Option.isNone(parsed.port)) return yield* floodOwnServer(parsed, network)
    const asked = yield* validateFloodOptions(toFloodOptions(parsed, parsed.port.value))
    const floodOptions = worker === undefined ? asked : workerFloodOptions(asked, worker, Date.now())
    // The kernel's counters say something of the server only when it is on this machine.
    const counted = yield* countingOverflows(floodRepeated(parsed, floodOptions))
    const repeated = counted.result
    const measured = isLoopbackHost(parsed.host)
      ? withOverflows(repeated.result, counted.listenOverflows)
      : repeated.result
    const result =
      worker === undefined ? measured : { ...measured, worker: { index: worker.index, of: worker.workers } }
    // One line, not a summary of zeros.
    if (everyConnectionRefused(result)) {
      if (parsed.json) yield* Console.log(JSON.stringify(result))
      return yield* new NothingListening({ host: parsed.host, port: parsed.port.value })
    }
    yield* report(parsed, { ...repeated, result }, `${parsed.host}:${parsed.port.value}`)
  }).pipe(
    // Interrupted before our client measured anything (starting, or a child client): say so, never nothing.
    Effect.onInterrupt(() =>
      Effect.suspend(() =>
        interrupted.shown
          ? Effect.void
          : Console.error(
              "interrupted: nothing measured to show (the flood had not started, or ran in a client process that was stopped)"
            )
      )
    )
  )
}).pipe(Command.withDescription("Flood an echo server with verified traffic"))

export type FloodEnvironment = Transport | FileSystem.FileSystem | CommandExecutor.CommandExecutor
