/**
 * `flood`: floods an echo server and verifies every byte. Without `--port`
 * it starts our own echo server as a child process (pinned to core 0, this
 * client to core 1 where there are two cores) and stops it afterwards.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions, type FloodOptions, InvalidOption, validateFloodOptions } from "../engine/FloodOptions.ts"
import type { FloodReport } from "../engine/FloodResult.ts"
import { formatSummary } from "../report/FloodSummary.ts"
import { decideWorkers, workerFloodOptions } from "../run/FloodWorkers.ts"
import { runNativeFlood } from "../run/NativeClient.ts"
import { decideNetwork, describeNetwork, type NetworkChoice, networkKinds } from "../run/NetworkChoice.ts"
import { runRuntimeClient } from "../run/RuntimeClient.ts"
import { describeExit } from "../system/ChildProcess.ts"
import { pinSelf } from "../system/CpuAffinity.ts"
import { checkConnectionsFit, cpuCount } from "../system/Limits.ts"
import { acquireTestHost, describeLink } from "../system/TestHost.ts"
import { entryArgv, runtimeBinary, runtimeVersion } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import { Transport } from "../transport/Transport.ts"
import { integerOption, numberOption, runtimeOption, sizeOption } from "./OptionValues.ts"

/** @category errors */
export class FloodFailed extends Data.TaggedError("FloodFailed")<{ readonly summary: string }> {
  override get message() {
    return this.summary
  }
}

const options = {
  host: Options.text("host").pipe(
    Options.withDefault(defaultFloodOptions.host),
    Options.withDescription("Echo server address")
  ),
  port: integerOption("port", "7000", { min: 1, max: 65535 }).pipe(
    Options.optional,
    Options.withDescription("Echo server port; without it, flood starts our echo server itself")
  ),
  connections: integerOption("connections", "100", { min: 1 }).pipe(
    Options.withAlias("n"),
    Options.withDefault(defaultFloodOptions.connections),
    Options.withDescription("Concurrent connections")
  ),
  bytes: sizeOption("bytes", "512KiB").pipe(
    Options.withDefault(defaultFloodOptions.bytesPerConnection),
    Options.withDescription("Bytes each connection sends and verifies")
  ),
  chunk: sizeOption("chunk", "32KiB").pipe(
    Options.withDefault(defaultFloodOptions.chunk),
    Options.withDescription("Largest write")
  ),
  window: sizeOption("window", "64KiB").pipe(
    Options.optional,
    Options.withDescription("Most unechoed bytes per connection (default: one chunk)")
  ),
  barrier: Options.boolean("barrier").pipe(Options.withDescription("Open every connection before sending payload")),
  timeout: numberOption("timeout", "60").pipe(
    Options.withDefault(defaultFloodOptions.timeoutSeconds),
    Options.withDescription("Overall timeout, seconds")
  ),
  stallTimeout: numberOption("stall-timeout", "10").pipe(
    Options.withDefault(defaultFloodOptions.stallTimeoutSeconds),
    Options.withDescription("Fail a connection with no echo for this many seconds")
  ),
  connectConcurrency: integerOption("connect-concurrency", "256", { min: 1 }).pipe(
    Options.withDefault(defaultFloodOptions.connectConcurrency),
    Options.withDescription("Connects in flight at once")
  ),
  sourceAddress: Options.text("source-address").pipe(
    Options.optional,
    Options.withDescription(
      "Bind the connections to this IPv4 source address (e.g. 127.0.0.2): several flood processes then get a port range each"
    )
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print one JSON object instead of a summary")),
  server: runtimeOption("server", "node@24").pipe(
    Options.optional,
    Options.withDescription(
      "Runtime of the server started when --port is not given (default: this one); node@24 etc. after setup:runtimes"
    )
  ),
  network: Options.choice("network", networkKinds).pipe(
    Options.withDefault("loopback" as const),
    Options.withDescription(
      "loopback, or veth: our server runs in a test host (a network namespace, 198.18.0.0/15) behind a veth link; needs root"
    )
  ),
  linkRate: Options.text("link-rate").pipe(
    Options.optional,
    Options.withDescription("With --network veth: the link's rate each way, e.g. 1gbit, 200mbit (tc tbf)")
  ),
  linkDelay: Options.text("link-delay").pipe(
    Options.optional,
    Options.withDescription("With --network veth: delay added on each end of the link, e.g. 5ms (needs sch_netem)")
  ),
  workers: integerOption("workers", "4", { min: 1 }).pipe(
    Options.optional,
    Options.withDescription("Split the flood over this many workers (processes or hosts); this one runs one share")
  ),
  workerIndex: integerOption("worker-index", "0", { min: 0 }).pipe(
    Options.optional,
    Options.withDescription("Which share this worker floods, 0 to workers-1 (e.g. JOB_COMPLETION_INDEX)")
  ),
  startAt: integerOption("start-at", "1767225600000", { min: 0 }).pipe(
    Options.optional,
    Options.withDescription(
      "Epoch time in ms at which payload starts, after every connection is open; combine the partials with `echoflood merge`"
    )
  ),
  client: runtimeOption("client", "node@24", ["ts", "native"]).pipe(
    Options.withDefault("ts" as const),
    Options.withDescription(
      "ts: this runtime's flood client; native: the C client (npm run build:native); node, bun, deno or node@24 etc.: our TS client on that runtime, as its own process"
    )
  )
}

type Parsed = Command.Command.ParseConfig<typeof options>

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
          Console.log(
            parsed.json
              ? JSON.stringify({ ...partial, ok: false, interrupted: true })
              : `interrupted — measured so far:\n${formatSummary(partial, `${floodOptions.host}:${floodOptions.port}`)}`
          )
      )

/** @category errors */
export class NothingListening extends Data.TaggedError("NothingListening")<{
  readonly host: string
  readonly port: number
}> {
  override get message() {
    return `nothing is listening at ${this.host}:${this.port}: start a server there (\`echoflood serve --port ${this.port}\`), or leave --port out and flood starts one`
  }
}

const everyConnectionRefused = (result: FloodReport) =>
  result.connectionsCompleted === 0 && Object.keys(result.errors).length === 1 && (result.errors.refused ?? 0) > 0

const report = (parsed: Parsed, result: FloodReport, serverLabel: string, server?: unknown, crash?: string) =>
  Effect.gen(function* () {
    yield* Console.log(
      parsed.json
        ? JSON.stringify(server === undefined ? result : { ...result, server })
        : formatSummary(result, serverLabel)
    )
    if (!result.ok) {
      const kinds = Object.entries(result.errors)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(", ")
      return yield* new FloodFailed({
        summary: `${result.connections - result.connectionsCompleted} of ${result.connections} connections failed (${kinds})${crash === undefined ? "" : `: ${crash}`}`
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
      cpus: cores >= 2 ? "0" : undefined,
      readyTimeout: "30 seconds"
    })
    if (cores >= 2) yield* pinSelf("1")
    if (!parsed.json)
      yield* Console.error(`started ${serverRuntime} echo server (pid ${server.pid}) on ${host}:${server.port}`)
    const floodOptions = yield* validateFloodOptions({ ...toFloodOptions(parsed, server.port), host })
    const floodStartedAt = Date.now()
    const measured = yield* flood(parsed, floodOptions)
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
      result,
      `${serverRuntime} ${serverVersion} echo server (pid ${server.pid})`,
      { runtime: serverRuntime, runtimeVersion: serverVersion },
      crash
    )
  }).pipe(Effect.scoped)

export const floodCommand = Command.make("flood", options, (parsed) =>
  Effect.gen(function* () {
    // Validate everything before the first connect or spawn; the port is checked below.
    yield* validateFloodOptions(
      toFloodOptions(
        parsed,
        Option.getOrElse(parsed.port, () => 1)
      )
    )
    yield* checkConnectionsFit(parsed.connections, "the flood client")
    // A runtime version that is not installed fails here, before a server is started.
    if (parsed.client !== "ts" && parsed.client !== "native") yield* runtimeBinary(parsed.client)
    if (Option.isSome(parsed.server)) yield* runtimeBinary(parsed.server.value)
    const network = yield* decideNetwork(parsed.network, parsed.linkRate, parsed.linkDelay)
    if (network.kind === "veth" && Option.isSome(parsed.port)) {
      return yield* new InvalidOption({
        option: "network",
        value: "veth",
        problem: "puts the server that flood starts in a test host, and --port names a server already running",
        fix: "Drop --port to let flood start its server in the test host, or drop --network veth"
      })
    }
    const runtime = (yield* Transport).runtime.name
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
    const measured = yield* flood(parsed, floodOptions)
    const result =
      worker === undefined ? measured : { ...measured, worker: { index: worker.index, of: worker.workers } }
    // One line, not a summary of zeros.
    if (everyConnectionRefused(result)) {
      if (parsed.json) yield* Console.log(JSON.stringify(result))
      return yield* new NothingListening({ host: parsed.host, port: parsed.port.value })
    }
    yield* report(parsed, result, `${parsed.host}:${parsed.port.value}`)
  })
).pipe(Command.withDescription("Flood an echo server with verified traffic"))

export type FloodEnvironment = Transport | FileSystem.FileSystem | CommandExecutor.CommandExecutor
