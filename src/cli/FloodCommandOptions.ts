/** The options of `flood`: one place for their names, types, defaults and help. */
import * as Options from "@effect/cli/Options"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { networkOptions } from "./NetworkOptions.ts"
import { defaulted, integerOption, numberOption, runtimeOption, sideCoresOption, sizeOption } from "./OptionValues.ts"

/** Every option of `flood`, checked while the command line is parsed. */
export const floodOptions = {
  host: defaulted(Options.text("host"), defaultFloodOptions.host, "Echo server address"),
  port: integerOption("port", "7000", { min: 1, max: 65535 }).pipe(
    Options.optional,
    Options.withDescription("Echo server port; without it, flood starts our echo server itself")
  ),
  connections: integerOption("connections", "100", { min: 1 }).pipe(
    Options.withAlias("n"),
    Options.withDefault(defaultFloodOptions.connections),
    Options.withDescription("Concurrent connections")
  ),
  bytes: defaulted(
    sizeOption("bytes", "512KiB"),
    defaultFloodOptions.bytesPerConnection,
    "Bytes each connection sends and verifies"
  ),
  chunk: defaulted(sizeOption("chunk", "32KiB"), defaultFloodOptions.chunk, "Largest write"),
  window: sizeOption("window", "64KiB").pipe(
    Options.optional,
    Options.withDescription("Most unechoed bytes per connection (default: one chunk)")
  ),
  barrier: Options.boolean("barrier").pipe(Options.withDescription("Open every connection before sending payload")),
  timeout: defaulted(numberOption("timeout", "60"), defaultFloodOptions.timeoutSeconds, "Overall timeout, seconds"),
  stallTimeout: defaulted(
    numberOption("stall-timeout", "10"),
    defaultFloodOptions.stallTimeoutSeconds,
    "Fail a connection with no echo for this many seconds"
  ),
  connectConcurrency: defaulted(
    integerOption("connect-concurrency", "256", { min: 1 }),
    defaultFloodOptions.connectConcurrency,
    "Connects in flight at once"
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
  ...networkOptions,
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
  serverCores: sideCoresOption("server").pipe(Options.optional),
  clientCores: sideCoresOption("client").pipe(Options.optional),
  repetitions: integerOption("repetitions", "5", { min: 1 }).pipe(
    Options.withDefault(1),
    Options.withDescription(
      "Measured floods against the same server; the fastest is summarized, with min/median/spread"
    )
  ),
  warmup: defaulted(integerOption("warmup", "1", { min: 0 }), 0, "Floods before the measured ones, not counted"),
  client: runtimeOption("client", "node@24", ["native", "ts"]).pipe(
    Options.optional,
    Options.withDescription(
      "native: the C client (npm run build:native); node, deno, bun or node@24 etc.: our TS client on that runtime, as its own process unless it is this one (default: this runtime, in this process; ts is an alias of that)"
    )
  )
}
