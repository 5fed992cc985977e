/** `serve`: our echo server on the runtime this process runs on, until interrupted. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { validatePort } from "../engine/FloodOptions.ts"
import { echoHandlers, makeEchoStats } from "../protocol/EchoHandler.ts"
import { Transport } from "../transport/Transport.ts"
import { integerOption } from "./OptionValues.ts"

export const DEFAULT_BACKLOG = 32768

const host = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("Address to listen on")
)
const port = integerOption("port", "7000", { min: 0, max: 65535 }).pipe(
  Options.withDefault(0),
  Options.withDescription("Port; 0 picks a free one")
)
const backlog = integerOption("backlog", "32768", { min: 1, max: 2147483647 }).pipe(
  Options.withDefault(DEFAULT_BACKLOG),
  Options.withDescription("Listen backlog to ask for (Bun and Deno cap it)")
)
const noDelay = Options.boolean("nodelay").pipe(Options.withDescription("Set TCP_NODELAY on accepted sockets"))
const reusePort = Options.boolean("reuseport").pipe(
  Options.withDescription(
    "Set SO_REUSEPORT so several serve processes share the port (Bun; Deno with --unstable-net; Node 22.12+)"
  )
)

export const serveCommand = Command.make("serve", { host, port, backlog, noDelay, reusePort }, (options) =>
  Effect.gen(function* () {
    yield* validatePort(options.port, true)
    const transport = yield* Transport
    const stats = makeEchoStats()
    const listening = yield* transport.listen({
      host: options.host,
      port: options.port,
      backlog: options.backlog,
      reusePort: options.reusePort,
      onAccept: (socket) => {
        if (options.noDelay) socket.setNoDelay(true)
        return echoHandlers(socket, stats)
      }
    })
    const { name, version } = transport.runtime
    const capped =
      listening.effectiveBacklog < options.backlog ? `, capped by ${name} at ${listening.effectiveBacklog}` : ""
    const readPath = listening.readPath ?? transport.runtime.readPath
    const reads = readPath === undefined ? "" : `, reads: ${readPath}`
    const writePath = listening.writePath ?? transport.runtime.writePath
    const writes = writePath === undefined ? "" : `, writes: ${writePath}`
    const queues = (listening.acceptQueues ?? 1) > 1 ? `, ${listening.acceptQueues} accept queues` : ""
    yield* Console.log(
      `echoflood serve: ${name} ${version} listening on ${listening.address.host}:${listening.address.port} (backlog ${options.backlog}${capped}${queues}${reads}${writes})`
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)
).pipe(Command.withDescription("Run the echo server until interrupted"))
