/**
 * Several saturating client processes heard as one: the ramp only once every
 * process has ramped, ticks summed, one report, and a series per process so
 * per-second throughput adds up exactly.
 */
import { describe, expect, it } from "vitest"
import type { SaturationClientReport } from "../engine/SaturationReports.ts"
import { planProcesses } from "./ProcessPlan.ts"
import { ClientGroup, groupThroughputAt, mergeClientReports } from "./SaturationClients.ts"
import type { WorkerEvent } from "./WorkerProtocol.ts"

const report = (connections: number, mbPerSecond: number, min: number, max: number): SaturationClientReport => ({
  runtime: "native",
  runtimeVersion: "1",
  connections,
  chunk: 32768,
  window: 32768,
  ramp: { seconds: connections / 100, connected: connections, failed: 0, pending: 0, complete: true, bytesVerified: 0 },
  warmup: { seconds: 1, bytesVerified: 10 },
  steady: {
    seconds: 3,
    bytesVerified: mbPerSecond * 3e6,
    mbPerSecond,
    connectionsFailed: 0,
    connectionsOpen: connections
  },
  fairness: {
    connections,
    minBytesPerSecond: min,
    p10BytesPerSecond: min,
    medianBytesPerSecond: (min + max) / 2,
    maxBytesPerSecond: max,
    starved: 1,
    starvedShare: 1 / connections,
    starvedAfterSeconds: 1,
    neverProgressed: 0,
    fairCycleSeconds: 0,
    medianLongestGapSeconds: 0.1,
    maxLongestGapSeconds: 0.5
  },
  errors: { reset: 1 },
  errorDetails: [],
  cpuUserSeconds: 1,
  cpuSystemSeconds: 2,
  peakRssBytes: 1000
})

describe("ClientGroup", () => {
  it("says ramped once every process has, with the counts summed and the slowest time", () => {
    const heard: Array<WorkerEvent> = []
    const group = new ClientGroup(2, (e) => heard.push(e))
    const ramped = { _tag: "ramped", connected: 100, failed: 0, pending: 0, complete: true, bytesVerified: 0 } as const
    group.onClient(0)({ ...ramped, seconds: 1 })
    expect(heard).toEqual([])
    group.onClient(1)({ ...ramped, seconds: 2, complete: false, pending: 3 })
    expect(heard).toEqual([{ ...ramped, seconds: 2, connected: 200, pending: 3, complete: false }])
  })

  it("sums the latest tick of each process, and keeps each process's series for exact throughput", () => {
    const heard: Array<WorkerEvent> = []
    const group = new ClientGroup(2, (e) => heard.push(e))
    group.onClient(0)({ _tag: "tick", at: 0, bytesVerified: 0, open: 10, failed: 0 })
    group.onClient(1)({ _tag: "tick", at: 0, bytesVerified: 0, open: 20, failed: 1 })
    group.startSeries()
    group.onClient(0)({ _tag: "tick", at: 1000, bytesVerified: 2e6, open: 10, failed: 0 })
    group.onClient(1)({ _tag: "tick", at: 1000, bytesVerified: 3e6, open: 20, failed: 1 })
    expect(heard.at(-1)).toEqual({ _tag: "tick", at: 1000, bytesVerified: 5e6, open: 30, failed: 1 })
    expect(groupThroughputAt(group.series, 0, 1000)).toBeCloseTo(5)
  })

  it("reports once, when every process has reported", () => {
    const heard: Array<WorkerEvent> = []
    const group = new ClientGroup(2, (e) => heard.push(e))
    group.onClient(1)({ _tag: "client-result", report: report(100, 10, 5, 50) })
    expect(heard).toEqual([])
    group.onClient(0)({ _tag: "client-result", report: report(300, 30, 2, 40) })
    expect(heard.length).toBe(1)
  })
})

describe("mergeClientReports", () => {
  it("adds connections, bytes, errors and CPU; keeps the extremes of fairness exact", () => {
    const merged = mergeClientReports([report(100, 10, 5, 50), report(300, 30, 2, 40)])
    expect(merged.connections).toBe(400)
    expect(merged.ramp.connected).toBe(400)
    expect(merged.ramp.seconds).toBe(3)
    expect(merged.steady.mbPerSecond).toBe(40)
    expect(merged.steady.connectionsOpen).toBe(400)
    expect(merged.fairness.connections).toBe(400)
    expect(merged.fairness.minBytesPerSecond).toBe(2)
    expect(merged.fairness.maxBytesPerSecond).toBe(50)
    expect(merged.fairness.starved).toBe(2)
    expect(merged.fairness.starvedShare).toBeCloseTo(2 / 400)
    // Weighted by connections: (27.5 × 100 + 21 × 300) / 400.
    expect(merged.fairness.medianBytesPerSecond).toBeCloseTo(22.625)
    expect(merged.fairness.fairCycleSeconds).toBeCloseTo((400 * 32768) / 40e6)
    expect(merged.errors).toEqual({ reset: 2 })
    expect(merged.cpuUserSeconds + merged.cpuSystemSeconds).toBe(6)
  })
})

describe("planProcesses with forced client processes", () => {
  it("gives at least the client processes asked for, with the connections split between them", () => {
    const verdict = planProcesses({
      connections: 200,
      openFilesHard: 20000,
      ports: 28000,
      serverMode: "reuseport",
      serverProcesses: 2,
      clientProcesses: 2
    })
    expect(verdict._tag === "Planned" && verdict.plan).toMatchObject({
      serverProcesses: 2,
      clientProcesses: 2,
      clientConnections: [100, 100]
    })
  })
})
