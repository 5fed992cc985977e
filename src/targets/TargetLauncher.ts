/**
 * Starts a target for measurement: checks its binaries, builds it, picks a
 * free loopback port (or checks the given one is free), starts it pinned,
 * and only calls it ready once it has echoed one verified chunk.
 */
import * as Effect from "effect/Effect"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { Transport } from "../transport/Transport.ts"
import { AddressInUse } from "../transport/TransportError.ts"
import { ServerFailedToStart, startServer } from "./ServerProcess.ts"
import { buildTarget, checkAvailable, fillPlaceholders, type Target } from "./TargetRegistry.ts"

export interface LaunchOptions {
  readonly host?: string
  /** Port to use; a free one is picked when absent. */
  readonly port?: number
  readonly backlog?: number
  /** CPU list for taskset. */
  readonly cpus?: string
}

/** A free port on the host, found by binding port 0 and closing again. */
export const freePort = (host: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const transport = yield* Transport
      const listening = yield* transport.listen({
        host,
        port: 0,
        backlog: 1,
        onAccept: (socket) => {
          socket.destroy()
          return { onData: () => {}, onDrain: () => {}, onEnd: () => {}, onError: () => {}, onClose: () => {} }
        }
      })
      return listening.address.port
    })
  )

/** Fails with AddressInUse when something already accepts connections on host:port. */
export const ensurePortFree = (host: string, port: number) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const inUse = yield* Effect.async<boolean>((resume) => {
      transport.connect(
        {
          host,
          port,
          timeoutMs: 1000,
          noDelay: true,
          handlers: (socket) => ({
            onData: () => {},
            onDrain: () => {},
            onEnd: () => socket.destroy(),
            onError: () => {},
            onClose: () => {}
          })
        },
        (error, socket) => {
          socket?.destroy()
          resume(Effect.succeed(error === undefined))
        }
      )
    })
    if (inUse) return yield* new AddressInUse({ address: `${host}:${port}` })
  })

/** One verified 32 KiB round trip: the readiness check every target must pass. */
export const checkEcho = (host: string, port: number) =>
  runFlood({
    ...defaultFloodOptions,
    host,
    port,
    connections: 1,
    bytesPerConnection: 32 * 1024,
    window: 32 * 1024,
    timeoutSeconds: 10,
    stallTimeoutSeconds: 5
  })

/** Starts the target in the current scope; closing the scope stops it by PID. */
export const launchTarget = (target: Target, options: LaunchOptions = {}) =>
  Effect.gen(function* () {
    const name = target.manifest.name
    const host = options.host ?? "127.0.0.1"
    yield* checkAvailable(target)
    yield* buildTarget(target)
    const port = options.port ?? (yield* freePort(host))
    yield* ensurePortFree(host, port)
    const fill = yield* fillPlaceholders(target, { port, backlog: options.backlog ?? 32768 })
    const server = yield* startServer({
      name,
      argv: fill(target.manifest.start),
      env: target.manifest.env ?? {},
      cpus: options.cpus,
      readyTimeout: `${target.manifest.readyTimeoutSeconds} seconds`,
      stopGrace: `${target.manifest.stopGraceSeconds ?? 5} seconds`
    })
    if (server.port !== port) {
      return yield* new ServerFailedToStart({
        name,
        reason: `it listens on port ${server.port}, not on the port ${port} it was given`,
        stderrTail: server.stderrTail()
      })
    }
    const echo = yield* checkEcho(host, port)
    if (!echo.ok) {
      const detail = echo.errorDetails[0]?.message ?? JSON.stringify(echo.errors)
      return yield* new ServerFailedToStart({
        name,
        reason: `its readiness check (one verified 32 KiB echo) failed: ${detail}`,
        stderrTail: server.stderrTail()
      })
    }
    return server
  })
