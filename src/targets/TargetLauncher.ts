/**
 * Starts a target for measurement: checks its binaries, builds it, picks a
 * free loopback port (or checks the given one is free), starts it pinned,
 * and only calls it ready once it has echoed one verified chunk.
 *
 * Past one process's open-files limit a target runs as K processes on one
 * port, the way its manifest says (`processes`): K copies that each set
 * SO_REUSEPORT, or one cluster primary that forks K workers.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { runFlood } from "../engine/FloodEngine.ts"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import type { ChildExit } from "../system/ChildProcess.ts"
import type { OperatingSystemService } from "../system/OperatingSystem.ts"
import { Transport } from "../transport/Transport.ts"
import { AddressInUse } from "../transport/TransportError.ts"
import { captureThere, loopbackPlace, type ServerPlace, serverSpecThere } from "./ServerPlace.ts"
import { type RunningServer, ServerFailedToStart, startServer } from "./ServerProcess.ts"
import { buildTarget, checkAvailable, fillPlaceholders, type Target } from "./TargetRegistry.ts"

export interface LaunchOptions {
  /** Where the server runs; this machine's loopback (or `host`) when absent. */
  readonly place?: ServerPlace
  readonly host?: string
  /** Port to use; a free one is picked when absent. */
  readonly port?: number
  readonly backlog?: number
  /**
   * The server's cores: a taskset CPU list, or core numbers. With several
   * cores, reuseport copies are pinned one core each in turn (process i on
   * core i mod n) and a cluster gets them all, so the target spreads over them.
   */
  readonly cpus?: string | ReadonlyArray<number>
  /** Server processes sharing the port; 1 when absent. */
  readonly processes?: number
}

/** A target running as one or more processes. */
export interface LaunchedServer extends RunningServer {
  /** Every process serving the port (a cluster's primary and workers included): the server side's usage sums them. */
  readonly pids: ReadonlyArray<number>
  readonly processes: number
  /** The system holding those processes (over SSH: that host's), for the server side's /proc figures. */
  readonly system: OperatingSystemService
  /**
   * The first of its processes to have exited, waiting up to `timeout`: which one (pid), how, and the end of its
   * output. With reuseport copies any copy may be the one that died, not only the first started.
   */
  readonly firstExit: (timeout: Duration.DurationInput) => Effect.Effect<Option.Option<ProcessExit>>
}

/** One server process's exit, as a crash report needs it. */
export interface ProcessExit {
  readonly pid: number
  readonly exit: ChildExit
  readonly output: string
}

/** @category errors */
export class CannotShareTarget extends Data.TaggedError("CannotShareTarget")<{
  readonly target: string
  readonly processes: number
}> {
  override get message() {
    return `${this.target} cannot run as ${this.processes} processes on one port: its target.json has no \`processes\` (reuseport or cluster)`
  }
}

/** The children of a process, from /proc where it runs (a cluster primary's workers). */
const childrenOf = (place: ServerPlace, pid: number) =>
  Effect.gen(function* () {
    const path = `/proc/${pid}/task/${pid}/children`
    const text =
      place.ssh === undefined
        ? yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
            Effect.orElseSucceed(() => "")
          )
        : (yield* captureThere(place, ["cat", path])).stdout
    return text.trim() === "" ? [] : text.trim().split(/\s+/).map(Number)
  })

/** The first server process found exited (pid, how, its last output), waiting up to `timeout` for one. */
const firstExitOf =
  (servers: ReadonlyArray<RunningServer>) =>
  (timeout: Duration.DurationInput): Effect.Effect<Option.Option<ProcessExit>> => {
    const exited = (s: RunningServer) =>
      Deferred.await(s.exit).pipe(Effect.map((exit) => ({ pid: s.pid, exit, output: s.child.output(10) })))
    return Effect.gen(function* () {
      // Already exited: answer without a race, so a zero timeout still sees it.
      for (const s of servers) {
        const done = yield* Deferred.poll(s.exit)
        if (Option.isSome(done)) return Option.some(yield* exited(s))
      }
      if (Duration.toMillis(Duration.decode(timeout)) <= 0) return Option.none()
      return yield* Effect.raceAll(servers.map(exited)).pipe(
        Effect.timeoutTo({ duration: timeout, onSuccess: Option.some, onTimeout: Option.none })
      )
    })
  }

/** Completes when any of the servers exits, with how it ended. */
const anyExit = (servers: ReadonlyArray<RunningServer>) =>
  Effect.gen(function* () {
    const exit = yield* Deferred.make<ChildExit>()
    yield* Effect.raceAll(servers.map((s) => Deferred.await(s.exit))).pipe(
      Effect.flatMap((first) => Deferred.succeed(exit, first)),
      Effect.forkScoped
    )
    return exit
  })

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
    const place = options.place ?? (yield* loopbackPlace(options.host))
    const host = place.host
    const run = place.ssh === undefined ? undefined : (argv: ReadonlyArray<string>) => captureThere(place, argv)
    yield* checkAvailable(target, run)
    yield* buildTarget(target, run, place.ssh?.destination)
    // A test host's namespace is new and empty; a server host is not ours to probe: a port free here is tried there.
    const port = options.port ?? (yield* freePort(place.kind === "loopback" ? host : "127.0.0.1"))
    yield* ensurePortFree(host, port)
    const count = options.processes ?? 1
    const shared = target.manifest.processes
    if (count > 1 && shared === undefined) return yield* new CannotShareTarget({ target: name, processes: count })
    const fill = yield* fillPlaceholders(target, { host, port, backlog: options.backlog ?? 32768, processes: count })
    const argv =
      count > 1 && shared !== undefined
        ? fill([...(shared.start ?? target.manifest.start), ...shared.args])
        : fill(target.manifest.start)
    const cores = options.cpus
    const cpusOf = (index: number) =>
      cores === undefined || typeof cores === "string"
        ? cores
        : shared?.mode === "reuseport" && count > 1
          ? String(cores[index % cores.length])
          : cores.join(",")
    const start = (index: number) =>
      startServer(
        serverSpecThere(place, {
          name: count > 1 ? `${name} (process ${index + 1} of ${count})` : name,
          argv,
          env: target.manifest.env ?? {},
          cpus: cpusOf(index),
          readyTimeout: `${target.manifest.readyTimeoutSeconds} seconds`,
          stopGrace: `${target.manifest.stopGraceSeconds ?? 5} seconds`
        })
      )
    const servers = [yield* start(0)]
    if (shared?.mode === "reuseport") for (let i = 1; i < count; i++) servers.push(yield* start(i))
    const server = servers[0]!
    if (server.port !== port) {
      return yield* new ServerFailedToStart({
        name,
        reason: `it listens on port ${server.port}, not on the port ${port} it was given`,
        stderrTail: server.stderrTail()
      })
    }
    for (const other of servers) {
      if (other.port !== port) {
        return yield* new ServerFailedToStart({
          name: other.name,
          reason: `it listens on port ${other.port}, not on the shared port ${port}`,
          stderrTail: other.stderrTail()
        })
      }
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
    const pids =
      shared?.mode === "cluster" && count > 1
        ? [server.pid, ...(yield* childrenOf(place, server.pid))]
        : servers.map((s) => s.pid)
    const exit = servers.length === 1 ? server.exit : yield* anyExit(servers)
    return {
      ...server,
      exit,
      stderrTail: () => servers.map((s) => s.stderrTail()).join(""),
      pids,
      processes: count,
      system: place.system,
      firstExit: firstExitOf(servers)
    } satisfies LaunchedServer
  })
