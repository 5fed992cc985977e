/**
 * One flood result from the results of several client processes that flooded
 * the same server at once (one process cannot hold more sockets than its
 * open-files limit). Pure: no I/O, so `merge` of saved results and the
 * multi-process runner share it.
 *
 * - time: first connect of any process to the last verified byte of any
 *   process, on the wall clock each process reports (`startedAtMs`);
 * - bytes, connections, completions and errors: sums; ok only when every
 *   process verified every connection;
 * - latency: the processes' histograms added bucket by bucket, percentiles
 *   read from the sum as HdrHistogram does (rank = p·count rounded, the
 *   bucket's highest value); a process without buckets makes the
 *   percentiles the largest of the processes' (an upper bound);
 * - completion: min and max exact; the median is the completion-weighted
 *   median of the processes' medians (each process keeps only three figures);
 * - each process's own figures are kept in `processes`.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ErrorDetail } from "../engine/ErrorKinds.ts"
import type { ClientProcessFigures, FloodReport, LatencyBuckets, LatencySummary } from "../engine/FloodResult.ts"

/** @category errors */
export class MergeRefused extends Data.TaggedError("MergeRefused")<{ readonly reason: string }> {
  override get message() {
    return `cannot merge these flood results: ${this.reason}`
  }
}

/** Details kept on the merged result (the first few of each process, in process order). */
const MAX_DETAILS = 10

export interface ProcessResult {
  readonly report: FloodReport
  readonly sourceAddress?: string
}

/** Value at a percentile of a bucket histogram, in microseconds. */
export const bucketPercentile = (buckets: LatencyBuckets, total: number, percent: number): number => {
  if (total === 0) return 0
  const rank = Math.max(1, Math.floor((percent / 100) * total + 0.5))
  let seen = 0
  for (const [value, count] of buckets) {
    seen += count
    if (seen >= rank) return value
  }
  return buckets[buckets.length - 1]?.[0] ?? 0
}

/** Adds histograms bucket by bucket; the result is sorted by value. */
export const addBuckets = (histograms: ReadonlyArray<LatencyBuckets>): Array<[number, number]> => {
  const sums = new Map<number, number>()
  for (const histogram of histograms) {
    for (const [value, count] of histogram) sums.set(value, (sums.get(value) ?? 0) + count)
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0])
}

const mergeLatency = (reports: ReadonlyArray<FloodReport>) => {
  const max = Math.max(...reports.map((r) => r.latency.max))
  const count = reports.reduce((sum, r) => sum + r.latency.count, 0)
  const withBuckets = reports.every((r) => r.latencyBuckets !== undefined || r.latency.count === 0)
  if (!withBuckets) {
    const worst = (key: "p50" | "p90" | "p99" | "p999") => Math.max(...reports.map((r) => r.latency[key]))
    const latency: LatencySummary = {
      count,
      p50: worst("p50"),
      p90: worst("p90"),
      p99: worst("p99"),
      p999: worst("p999"),
      max
    }
    return { latency, buckets: undefined }
  }
  const buckets = addBuckets(reports.map((r) => r.latencyBuckets ?? []))
  const total = buckets.reduce((sum, [, n]) => sum + n, 0)
  const at = (percent: number) => Math.min(bucketPercentile(buckets, total, percent) / 1000, max)
  const latency: LatencySummary = { count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max }
  return { latency, buckets }
}

const weightedMedian = (points: ReadonlyArray<readonly [value: number, weight: number]>) => {
  const sorted = points.filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0])
  const half = sorted.reduce((sum, [, w]) => sum + w, 0) / 2
  let seen = 0
  for (const [value, weight] of sorted) {
    seen += weight
    if (seen >= half) return value
  }
  return 0
}

const sumErrors = (reports: ReadonlyArray<FloodReport>) => {
  const errors: Record<string, number> = {}
  for (const r of reports) for (const [kind, n] of Object.entries(r.errors)) errors[kind] = (errors[kind] ?? 0) + n
  return errors
}

/** Merges the results of client processes that flooded one server together. */
export const mergeFloods = (results: ReadonlyArray<ProcessResult>): Effect.Effect<FloodReport, MergeRefused> =>
  Effect.suspend(() => {
    const reports = results.map((r) => r.report)
    const first = reports[0]
    if (first === undefined) return Effect.fail(new MergeRefused({ reason: "no results were given" }))
    if (results.length === 1) return Effect.succeed(first)
    const untimed = reports.findIndex((r) => r.startedAtMs === undefined)
    if (untimed >= 0) {
      return Effect.fail(
        new MergeRefused({
          reason: `result ${untimed + 1} has no startedAtMs, so it cannot be put on one clock with the others (re-run it with a current client)`
        })
      )
    }
    for (const key of ["host", "port", "bytesPerConnection", "chunk", "window"] as const) {
      const other = reports.find((r) => r[key] !== first[key])
      if (other !== undefined) {
        return Effect.fail(
          new MergeRefused({
            reason: `they flooded differently (${key} ${String(first[key])} and ${String(other[key])}); only results of one flood split over processes merge`
          })
        )
      }
    }
    const starts = reports.map((r) => r.startedAtMs!)
    const t0 = Math.min(...starts)
    const offset = (i: number) => (starts[i]! - t0) / 1000
    const end = Math.max(...reports.map((r, i) => offset(i) + r.seconds))
    const connectEnd = Math.max(...reports.map((r, i) => offset(i) + r.connectSeconds))
    const bulkStarts = reports.flatMap((r, i) => (r.bulkSeconds > 0 ? [offset(i) + r.seconds - r.bulkSeconds] : []))
    const bulkStart = bulkStarts.length === 0 ? undefined : Math.min(...bulkStarts)
    const bytesVerified = reports.reduce((sum, r) => sum + r.bytesVerified, 0)
    const completed = reports.map((r) => r.connectionsCompleted)
    const done = reports.flatMap((_r, i) => (completed[i]! > 0 ? [i] : []))
    const { latency, buckets } = mergeLatency(reports)
    // Connection numbers become global: process i's connections follow those of the processes before it.
    let base = 0
    const details: Array<ErrorDetail> = []
    reports.forEach((r, i) => {
      for (const d of r.errorDetails) {
        details.push({
          ...d,
          connection: d.connection + base,
          message: `client process ${i + 1} of ${reports.length}: ${d.message}`
        })
      }
      base += r.connections
    })
    const processes: Array<ClientProcessFigures> = results.map((r, i) => ({
      index: i,
      ...(r.sourceAddress === undefined ? {} : { sourceAddress: r.sourceAddress }),
      connections: r.report.connections,
      connectionsCompleted: r.report.connectionsCompleted,
      bytesVerified: r.report.bytesVerified,
      startOffsetSeconds: offset(i),
      seconds: r.report.seconds,
      connectSeconds: r.report.connectSeconds,
      mbPerSecond: r.report.mbPerSecond,
      errors: r.report.errors
    }))
    const merged: FloodReport = {
      ok: reports.every((r) => r.ok),
      runtime: first.runtime,
      runtimeVersion: first.runtimeVersion,
      host: first.host,
      port: first.port,
      connections: reports.reduce((sum, r) => sum + r.connections, 0),
      bytesPerConnection: first.bytesPerConnection,
      chunk: first.chunk,
      window: first.window,
      seconds: end,
      connectSeconds: connectEnd,
      bulkSeconds: bulkStart === undefined ? 0 : end - bulkStart,
      bytesVerified,
      mbPerSecond: end > 0 ? bytesVerified / end / 1e6 : 0,
      connectionsCompleted: completed.reduce((a, b) => a + b, 0),
      completion: {
        min: done.length === 0 ? 0 : Math.min(...done.map((i) => offset(i) + reports[i]!.completion.min)),
        p50: weightedMedian(done.map((i) => [offset(i) + reports[i]!.completion.p50, completed[i]!] as const)),
        max: done.length === 0 ? 0 : Math.max(...done.map((i) => offset(i) + reports[i]!.completion.max))
      },
      latency,
      errors: sumErrors(reports),
      errorDetails: details.slice(0, MAX_DETAILS),
      startedAtMs: t0,
      ...(buckets === undefined ? {} : { latencyBuckets: buckets }),
      processes
    }
    return Effect.succeed(merged)
  })
