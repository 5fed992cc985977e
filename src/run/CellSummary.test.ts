import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { summarizeCell } from "./CellSummary.ts"
import { CellSummary, type Sample } from "./RunFile.ts"

/** A measured flood of `seconds`, with server figures that differ per repetition. */
const sample = (repetition: number, seconds: number, warmup = false): Sample => ({
  repetition,
  warmup,
  startedAt: "2026-01-01T00:00:00.000Z",
  flood: {
    ok: true,
    runtime: "node",
    runtimeVersion: "v20",
    host: "127.0.0.1",
    port: 1,
    connections: 10,
    bytesPerConnection: 1000,
    chunk: 1000,
    window: 1000,
    seconds,
    connectSeconds: 0,
    bulkSeconds: seconds,
    bytesVerified: 10000,
    mbPerSecond: 10000 / seconds / 1e6,
    connectionsCompleted: 10,
    completion: { min: seconds, p50: seconds, max: seconds },
    latency: { count: 10, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
    errors: {},
    errorDetails: []
  },
  server: {
    pid: 1,
    cpuUserSeconds: repetition,
    cpuSystemSeconds: 0,
    voluntaryContextSwitches: repetition,
    involuntaryContextSwitches: 0,
    peakRssBytes: 1000 * (repetition + 1),
    rssBytes: 1000
  },
  serverCore: { core: 0, busy: repetition / 10, user: 0, system: 0, softirq: 0, idle: 0 },
  clientCore: { core: 1, busy: 0.5, user: 0, system: 0, softirq: 0, idle: 0.5 },
  clientBound: false
})

/** A warm-up, then the fastest repetition (2) between two slower ones. */
const distinct = (): Array<Sample> => [sample(0, 0.5, true), sample(1, 0.3), sample(2, 0.2), sample(3, 0.4)]

describe("summarizeCell", () => {
  it("takes time figures over every measured repetition and everything else from the fastest one", () => {
    const samples = distinct()
    const measured = samples.filter((s) => !s.warmup)
    const fastest = measured.reduce((a, s) => (s.flood.seconds < a.flood.seconds ? s : a))
    const slowest = measured.reduce((a, s) => (s.flood.seconds > a.flood.seconds ? s : a))
    const summary = summarizeCell(samples)!
    expect(summary.minSeconds).toBe(fastest.flood.seconds)
    expect(summary.maxSeconds).toBe(slowest.flood.seconds)
    // Not the largest peak over the repetitions: the fastest repetition's own.
    expect(summary.serverPeakRssBytes).toBe(fastest.server!.peakRssBytes)
    expect(summary.serverPeakRssBytes).toBeLessThan(slowest.server!.peakRssBytes)
    expect(summary.serverCpuSeconds).toBe(fastest.repetition)
    expect(summary.mbPerSecond).toBe(fastest.flood.mbPerSecond)
  })

  it("leaves warm-ups and failed floods out, and gives nothing when none is left", () => {
    const samples = distinct()
    expect(summarizeCell(samples.filter((s) => s.warmup))).toBeUndefined()
    expect(summarizeCell(samples.map((s) => ({ ...s, flood: { ...s.flood, ok: false } })))).toBeUndefined()
  })

  it("gives NaN, not 0, for a server figure that was not read, and stores it as null", () => {
    const samples = distinct().map(({ server: _server, ...rest }) => rest)
    const summary = summarizeCell(samples)!
    expect(summary.serverCpuSeconds).toBeNaN()
    expect(summary.serverPeakRssBytes).toBeNaN()
    const encoded = Schema.encodeSync(CellSummary)(summary)
    expect(encoded.serverPeakRssBytes).toBeNull()
    expect(Schema.decodeUnknownSync(CellSummary)(JSON.parse(JSON.stringify(encoded))).serverCpuSeconds).toBeNaN()
  })
})
