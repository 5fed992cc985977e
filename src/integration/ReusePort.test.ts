/**
 * Every target whose manifest says it runs as several processes on one port
 * (`processes.mode` "reuseport"): two processes start on the same port and
 * both accept connections (SO_REUSEPORT spreads them by a hash).
 */
import * as fs from "node:fs"
import * as net from "node:net"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { layer as nodeTransport } from "../../adapters/node/NodeTransport.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { checkAvailable, discoverTargets } from "../targets/TargetRegistry.ts"

const live = Layer.merge(Layer.provideMerge(LinuxSystem.layer, NodeContext.layer), nodeTransport)
const CONNECTIONS = 64

const sockets = (pid: number) =>
  fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

const openAll = (port: number) =>
  Effect.promise(() =>
    Promise.all(
      Array.from(
        { length: CONNECTIONS },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(socket))
            socket.once("error", reject)
          })
      )
    )
  )

const targets = await Effect.runPromise(
  discoverTargets().pipe(
    Effect.map((all) => all.filter((t) => t.manifest.processes?.mode === "reuseport")),
    Effect.provide(NodeContext.layer)
  )
)

describe("reuseport", () => {
  for (const target of targets) {
    it.live(
      `${target.manifest.name}: two processes on one port both accept`,
      () =>
        Effect.gen(function* () {
          if (Either.isLeft(yield* Effect.either(checkAvailable(target)))) return
          const server = yield* launchTarget(target, { processes: 2 })
          expect(server.pids.length).toBe(2)
          const open = yield* openAll(server.port)
          yield* Effect.sleep("300 millis")
          // Each process holds its listener plus the connections it accepted.
          const held = server.pids.map(sockets)
          for (const s of open) s.destroy()
          expect(held.every((n) => n >= 2)).toBe(true)
        }).pipe(Effect.scoped, Effect.provide(live)),
      60_000
    )
  }
})
