import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { FloodReport } from "../engine/FloodResult.ts"
import { addBuckets, bucketPercentile, mergeFloods } from "./FloodMerge.ts"

const report = (overrides: Partial<FloodReport>): FloodReport => ({
  ok: true,
  runtime: "native",
  runtimeVersion: "gcc",
  host: "127.0.0.1",
  port: 7000,
  connections: 10,
  bytesPerConnection: 1000,
  chunk: 500,
  window: 500,
  seconds: 2,
  connectSeconds: 0.5,
  bulkSeconds: 1.5,
  bytesVerified: 10_000,
  mbPerSecond: 0.005,
  connectionsCompleted: 10,
  completion: { min: 1, p50: 1.5, max: 2 },
  latency: { count: 20, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
  errors: {},
  errorDetails: [],
  startedAtMs: 1_000_000,
  latencyBuckets: [[1000, 20]],
  ...overrides
})

describe("mergeFloods", () => {
  it.effect("takes the time from the first connect to the last verified byte over all processes", () =>
    Effect.gen(function* () {
      // Process 2 starts 0.5 s later and ends at 0.5 + 3 = 3.5 s on the shared clock.
      const merged = yield* mergeFloods([
        { report: report({}) },
        {
          report: report({
            startedAtMs: 1_000_500,
            seconds: 3,
            connectSeconds: 1,
            bulkSeconds: 1,
            completion: { min: 1, p50: 2, max: 3 }
          }),
          sourceAddress: "127.0.0.2"
        }
      ])
      expect(merged.seconds).toBeCloseTo(3.5)
      expect(merged.connectSeconds).toBeCloseTo(1.5)
      // Bulk from the earliest first byte (process 1 at 0.5 s) to the end.
      expect(merged.bulkSeconds).toBeCloseTo(3)
      expect(merged.connections).toBe(20)
      expect(merged.bytesVerified).toBe(20_000)
      expect(merged.mbPerSecond).toBeCloseTo(20_000 / 3.5 / 1e6)
      expect(merged.completion.min).toBeCloseTo(1)
      expect(merged.completion.max).toBeCloseTo(3.5)
      expect(merged.startedAtMs).toBe(1_000_000)
      expect(merged.processes?.map((p) => [p.startOffsetSeconds, p.seconds, p.sourceAddress])).toEqual([
        [0, 2, undefined],
        [0.5, 3, "127.0.0.2"]
      ])
    })
  )

  it.effect("adds histograms bucket by bucket and reads percentiles from the sum", () =>
    Effect.gen(function* () {
      // 90 fast round trips in one process, 10 slow ones in the other: p50 is fast, p99 slow.
      const merged = yield* mergeFloods([
        {
          report: report({
            latency: { count: 90, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
            latencyBuckets: [[1000, 90]]
          })
        },
        {
          report: report({
            latency: { count: 10, p50: 50, p90: 50, p99: 50, p999: 50, max: 50 },
            latencyBuckets: [[50_000, 10]]
          })
        }
      ])
      expect(merged.latency.count).toBe(100)
      expect(merged.latency.p50).toBe(1)
      expect(merged.latency.p90).toBe(1)
      expect(merged.latency.p99).toBe(50)
      expect(merged.latency.max).toBe(50)
      expect(merged.latencyBuckets).toEqual([
        [1000, 90],
        [50_000, 10]
      ])
    })
  )

  it.effect("falls back to the largest percentiles when a process kept no buckets", () =>
    Effect.gen(function* () {
      const merged = yield* mergeFloods([
        {
          report: report({ latencyBuckets: undefined, latency: { count: 5, p50: 2, p90: 3, p99: 4, p999: 5, max: 6 } })
        },
        { report: report({ latency: { count: 5, p50: 1, p90: 7, p99: 1, p999: 1, max: 1 } }) }
      ])
      expect(merged.latency).toEqual({ count: 10, p50: 2, p90: 7, p99: 4, p999: 5, max: 6 })
      expect(merged.latencyBuckets).toBeUndefined()
    })
  )

  it.effect("sums errors, fails when any process failed, and numbers connections globally", () =>
    Effect.gen(function* () {
      const merged = yield* mergeFloods([
        { report: report({ ok: false, connectionsCompleted: 9, errors: { stalled: 1 }, errorDetails: [] }) },
        {
          report: report({
            ok: false,
            connectionsCompleted: 7,
            errors: { stalled: 2, reset: 1 },
            errorDetails: [{ kind: "reset", connection: 3, offset: 0, message: "connection 3: read failed" }]
          })
        }
      ])
      expect(merged.ok).toBe(false)
      expect(merged.connectionsCompleted).toBe(16)
      expect(merged.errors).toEqual({ stalled: 3, reset: 1 })
      expect(merged.errorDetails[0]?.connection).toBe(13)
      expect(merged.errorDetails[0]?.message).toBe("client process 2 of 2: connection 3: read failed")
    })
  )

  it.effect("returns a single result unchanged", () =>
    Effect.gen(function* () {
      const one = report({})
      expect(yield* mergeFloods([{ report: one }])).toBe(one)
    })
  )

  it.effect("refuses results that are not one flood split over processes, or have no clock", () =>
    Effect.gen(function* () {
      const other = yield* Effect.exit(mergeFloods([{ report: report({}) }, { report: report({ port: 7001 }) }]))
      expect(Exit.isFailure(other)).toBe(true)
      const untimed = yield* Effect.flip(
        mergeFloods([{ report: report({}) }, { report: report({ startedAtMs: undefined }) }])
      )
      expect(untimed.message).toContain("result 2 has no startedAtMs")
      const none = yield* Effect.flip(mergeFloods([]))
      expect(none.message).toContain("no results")
    })
  )
})

describe("bucket histograms", () => {
  it("reads percentiles as HdrHistogram does (rank rounded, the bucket's highest value)", () => {
    const buckets = addBuckets([
      [
        [10, 1],
        [20, 1]
      ],
      [
        [20, 1],
        [30, 1]
      ]
    ])
    expect(buckets).toEqual([
      [10, 1],
      [20, 2],
      [30, 1]
    ])
    expect(bucketPercentile(buckets, 4, 25)).toBe(10)
    expect(bucketPercentile(buckets, 4, 50)).toBe(20)
    expect(bucketPercentile(buckets, 4, 100)).toBe(30)
    expect(bucketPercentile([], 0, 50)).toBe(0)
  })
})
