import { describe, expect, it } from "@effect/vitest"
import { saturationRunOptions } from "../run/SaturationOptions.ts"
import { notStartedResult } from "../run/SaturationTarget.ts"
import { steadySummary } from "../run/SteadyStats.ts"
import { renderSaturationCsv, SATURATION_CSV_COLUMNS } from "./SaturationCsv.ts"

const core = (busy: number, n: number) => ({
  core: n,
  busy,
  user: busy / 2,
  system: busy / 3,
  softirq: busy / 6,
  idle: 1 - busy
})
const samples = [900, 1100].map((mbPerSecond, i) => ({
  second: i + 1,
  mbPerSecond,
  connectionsOpen: 1000,
  serverCore: core(0.9, 0),
  clientCore: core(0.6, 1),
  contextSwitchesPerSecond: 20_000,
  serverRssBytes: 50 * 2 ** 20
}))
const base = notStartedResult("node", saturationRunOptions(1000, "node", { durationSeconds: 2 }), "unused")
const ok = {
  ...base,
  status: "ok" as const,
  reason: undefined,
  steady: steadySummary(samples, 2, 60 * 2 ** 20),
  samples,
  probe: {
    runtime: "node",
    runtimeVersion: "20",
    intervalMs: 100,
    timeoutMs: 5000,
    maxOutstanding: 4,
    bytes: 32768,
    seconds: 2,
    scheduled: 20,
    skipped: 0,
    completed: 20,
    timedOut: 1,
    failed: 0,
    connect: { count: 20, p50: 0.1, p90: 0.2, p99: 0.3, p999: 0.3, max: 0.3 },
    roundTrip: { count: 20, p50: 1.5, p90: 3, p99: 12, p999: 14, max: 14 },
    scheduleLagMaxMs: 1,
    errors: {},
    errorDetails: []
  }
}

describe("saturation.csv", () => {
  it("has a summary row with client-delay percentiles and a row per second for each target", () => {
    const csv = renderSaturationCsv([ok, notStartedResult("deno", saturationRunOptions(1000, "node"), "no deno, here")])
    const lines = csv.split("\r\n")
    expect(lines[0]).toBe(SATURATION_CSV_COLUMNS.join(","))
    const rows = lines.slice(1, -1).map((l) => l.split(","))
    const col = (row: ReadonlyArray<string>, name: (typeof SATURATION_CSV_COLUMNS)[number]) =>
      row[SATURATION_CSV_COLUMNS.indexOf(name)]
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual(["node summary", "node second", "node second", "deno summary"])
    expect(
      ["p50", "p99", "max"].map((p) => col(rows[0]!, `clientDelay${p[0]!.toUpperCase()}${p.slice(1)}Ms` as never))
    ).toEqual(["1.5", "12", "14"])
    expect(col(rows[0]!, "mbPerSecond")).toBe("1000")
    expect(col(rows[2]!, "second")).toBe("2")
    expect(col(rows[2]!, "serverCoreSoftirqPercent")).toBe(String((0.9 / 6) * 100))
    expect(col(rows[3]!, "status")).toBe("failed")
    expect(lines.at(-2)).toMatch(/,"no deno, here"$/)
    expect(csv.endsWith("\r\n")).toBe(true)
  })
})
