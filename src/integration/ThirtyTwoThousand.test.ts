/**
 * The original's scale: 32,768 connections × 32 KiB, more than one process
 * may hold here, against the C epoll server as several processes sharing its
 * port, flooded by several client processes (native, then our TS client on
 * Node) whose results merge into one. Every connection must verify.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { defaultFloodOptions } from "../engine/FloodOptions.ts"
import { portCount, readLimits } from "../run/Preflight.ts"
import { planProcesses, serverModeOf } from "../run/ProcessPlan.ts"
import { type ClientKind, runSample } from "../run/SampleRunner.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { checkAvailable, discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { nodeLiveWithSockets } from "../testing/Live.ts"

const live = nodeLiveWithSockets
const CONNECTIONS = 32768

const floodAt32k = (client: ClientKind, firstSourceAddress: number) =>
  Effect.gen(function* () {
    const [target] = yield* selectTargets(yield* discoverTargets(), ["c-epoll"])
    // No C compiler here: nothing to flood at this scale (the CI installs one and runs it).
    if (Either.isLeft(yield* Effect.either(checkAvailable(target!)))) return undefined
    const limits = yield* readLimits
    const planned = planProcesses({
      connections: CONNECTIONS,
      openFilesHard: limits.openFilesHard,
      ports: portCount(limits),
      serverMode: serverModeOf(target!.manifest)
    })
    if (planned._tag === "Impossible") throw new Error(planned.reason)
    const plan = { ...planned.plan, firstSourceAddress }
    const server = yield* launchTarget(target!, { cpus: "0", processes: plan.serverProcesses })
    const sample = yield* runSample({
      client,
      options: {
        ...defaultFloodOptions,
        port: server.port,
        connections: CONNECTIONS,
        bytesPerConnection: 32 * 1024,
        window: 32 * 1024,
        // All verified is the point here, not speed: two JS clients share one core, and with the
        // default somaxconn (4096) connects queue, so a busy moment must not read as a stall.
        timeoutSeconds: 300,
        stallTimeoutSeconds: 60,
        connectTimeoutSeconds: 60
      },
      serverPids: server.pids,
      serverCores: [0],
      clientCores: [1],
      repetition: 1,
      warmup: false,
      plan
    })
    return { sample, plan, server }
  }).pipe(Effect.scoped, Effect.provide(live))

describe("32,768 connections", () => {
  // Each run leaves every port of its source addresses in TIME_WAIT for 60 s. The native client
  // connects with IP_BIND_ADDRESS_NO_PORT, whose port choice skips any port an explicit bind holds
  // on any address; the Node client binds explicitly. So native goes first (on up to four addresses
  // from 127.0.0.1), and Node then binds on fresh addresses (127.0.0.5 on), where nothing of the first
  // run is in its way.
  for (const [client, firstSourceAddress] of [
    ["native", 1],
    ["node", 5]
  ] as const) {
    it.live(
      `× 32 KiB against multi-process C epoll, ${client} client in several processes: all verified`,
      () =>
        Effect.gen(function* () {
          const ran = yield* floodAt32k(client, firstSourceAddress)
          if (ran === undefined) return
          const { sample, plan, server } = ran
          // Here (hard limit 20000) neither side fits in one process.
          expect(plan.serverProcesses).toBeGreaterThan(1)
          expect(server.pids.length).toBe(plan.serverProcesses)
          expect(sample.flood.errors, JSON.stringify(sample.flood.errorDetails.slice(0, 3))).toEqual({})
          expect(sample.flood.ok).toBe(true)
          expect(sample.flood.connectionsCompleted).toBe(CONNECTIONS)
          expect(sample.flood.bytesVerified).toBe(CONNECTIONS * 32 * 1024)
          expect(sample.flood.processes?.length).toBe(plan.clientProcesses)
          expect(sample.serverProcesses).toBe(plan.serverProcesses)
          // The limits the flood ran with are on record, so a failure can be read against them.
          expect(sample.limits).toEqual({ stallTimeoutSeconds: 60, timeoutSeconds: 300 })
          // Both server processes served: together they used CPU.
          expect(sample.server!.cpuUserSeconds + sample.server!.cpuSystemSeconds).toBeGreaterThan(0)
        }),
      240_000
    )
  }
})
