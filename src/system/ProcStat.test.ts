/**
 * The measurement arithmetic over /proc files recorded on this machine
 * (fixtures/proc-frames.json): a Node echo server idle (frame 0), then under
 * a flood of 50 connections (frame 1) and 1.96 s later (frame 2). Both cores
 * were fully busy (other work ran too), so idle is 0 and softirq is visible.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { loadFrames, recordedSystem } from "./fixtures/RecordedSystem.ts"
import { OperatingSystem } from "./OperatingSystem.ts"
import { contextSwitchRate, coreLoad, cpuSeconds, isClientBound, memoryPerConnection, serverUsage } from "./ProcStat.ts"

const SERVER = 4242

const withRecording = <A, E>(body: (advance: Effect.Effect<void>) => Effect.Effect<A, E, OperatingSystem>) =>
  Effect.gen(function* () {
    const recorded = recordedSystem(yield* loadFrames())
    return yield* body(recorded.advance).pipe(Effect.provide(recorded.layer))
  }).pipe(Effect.provide(NodeContext.layer))

describe("measurement arithmetic on recorded /proc", () => {
  it.effect("per-core busy share includes softirq, from per-core /proc/stat", () =>
    withRecording((advance) =>
      Effect.gen(function* () {
        const os = yield* OperatingSystem
        yield* advance
        const before = yield* os.cpuTimes
        yield* advance
        const after = yield* os.cpuTimes
        // core 0: user 174, system 22 of 196 ticks; core 1: user 137, system 55, softirq 4 of 196.
        const server = coreLoad(before, after, 0)!
        const client = coreLoad(before, after, 1)!
        expect(server.busy).toBeCloseTo(1, 6)
        expect(server.user).toBeCloseTo(174 / 196, 6)
        expect(server.system).toBeCloseTo(22 / 196, 6)
        expect(client.softirq).toBeCloseTo(4 / 196, 6)
        expect(client.user + client.system + client.softirq + client.idle).toBeCloseTo(1, 9)
        expect(coreLoad(before, after, 2)).toBeUndefined()
        // Both cores as one side (--server-cores 0-1): their ticks summed, 196 + 192 busy of 392.
        const both = coreLoad(before, after, [0, 1])!
        expect(both.core).toBe(0)
        expect(both.user).toBeCloseTo((174 + 137) / 392, 6)
        expect(both.softirq).toBeCloseTo(4 / 392, 6)
        expect(coreLoad(before, after, [0, 2])).toBeUndefined()
        // 11,998 switches over 1.961 s.
        expect(contextSwitchRate(before, after)).toBeCloseTo(11998 / 1.960797, 0)
        // Both cores at 100%: the client core is not busier, so the client did not set the pace.
        expect(isClientBound(server.busy, client.busy)).toBe(false)
        expect(isClientBound(0.55, 0.97)).toBe(true)
        expect(isClientBound(0.55, 0.85)).toBe(false)
      })
    )
  )

  it.effect("a process's CPU seconds, context switches (whole process) and peak RSS", () =>
    withRecording((advance) =>
      Effect.gen(function* () {
        const os = yield* OperatingSystem
        const idle = yield* os.process(SERVER)
        yield* advance
        const a = yield* os.process(SERVER)
        const threadsA = yield* os.threadSwitches(SERVER, 512)
        yield* advance
        const b = yield* os.process(SERVER)
        const threadsB = yield* os.threadSwitches(SERVER, 512)
        // utime 383 → 395, stime 101 → 115 ticks of 1/100 s.
        expect(cpuSeconds(a, b)).toBeCloseTo(0.26, 9)
        const usage = serverUsage(a, b)
        expect(usage.cpuUserSeconds).toBeCloseTo(0.12, 9)
        expect(usage.cpuSystemSeconds).toBeCloseTo(0.14, 9)
        // The main thread's own switches, and the sum over its 12 threads.
        expect(usage.voluntaryContextSwitches).toBe(922)
        expect(usage.involuntaryContextSwitches).toBe(86)
        expect(threadsA.threads).toBe(12)
        expect(Option.getOrThrow(threadsB.switches) - Option.getOrThrow(threadsA.switches)).toBe(1015)
        expect(Option.isNone((yield* os.threadSwitches(SERVER, 4)).switches)).toBe(true)
        expect(usage.peakRssBytes).toBe(197336 * 1024)
        // RSS grew 1,188 KiB from idle for 50 connections.
        expect(memoryPerConnection(idle, b, 50)).toBeCloseTo((1188 * 1024) / 50, 6)
        expect(memoryPerConnection(b, idle, 50)).toBe(0)
        const gone = yield* Effect.flip(os.process(999999))
        expect(gone._tag).toBe("ProcessGone")
      })
    )
  )

  it.effect("sockets, limits and machine facts", () =>
    withRecording((advance) =>
      Effect.gen(function* () {
        const os = yield* OperatingSystem
        // Before the flood: 16,058 TIME_WAIT sockets from earlier runs.
        expect((yield* os.sockstat).timeWait).toBe(16058)
        yield* advance
        yield* advance
        expect(yield* os.sockstat).toEqual({ tcpInUse: 106, timeWait: 62, tcpMemoryBytes: 515 * 4096 })
        expect(Option.getOrThrow(yield* os.openFileLimit)).toEqual({ soft: 20000, hard: 20000 })
        expect(yield* os.cpuCount).toBe(2)
        expect(yield* os.selfPid).toBe(4343)
        expect(Option.isSome(yield* os.sysctl("net.core.somaxconn"))).toBe(true)
        expect(Option.isNone(yield* os.sysctl("net.no.such"))).toBe(true)
        const machine = yield* os.machine
        expect(machine.cpuModel).toMatch(/\S/)
        expect(machine.memoryBytes).toBeGreaterThan(machine.memAvailableBytes)
      })
    )
  )
})
