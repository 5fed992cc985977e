/** The human-readable summary `flood` prints without `--json`: the result, the repetitions, and warnings. */
import type { FloodReport } from "../engine/FloodResult.ts"
import { NOISY_SPREAD, SHORT_SECONDS } from "../run/CellSummary.ts"
import type { Repetitions, Timed } from "../run/FloodRepetitions.ts"
import { countOf, formatPercent } from "../run/NumberFormat.ts"
import { alignedRows, plainTable } from "./Table.ts"

const kib = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`)
const f3 = (n: number) => n.toFixed(3)
const f2 = (n: number) => n.toFixed(2)

export const formatSummary = (report: FloodReport, serverLabel: string): string => {
  const lines = [
    `${report.ok ? "ok" : "FAILED"}: ${report.runtime} ${report.runtimeVersion} client → ${serverLabel}`,
    `  ${countOf(report.connections, "connection")} × ${kib(report.bytesPerConnection)} in ${kib(report.chunk)} chunks, window ${kib(report.window)}`,
    `  time      ${f3(report.seconds)} s  (connect ${f3(report.connectSeconds)} s, bulk ${f3(report.bulkSeconds)} s)`,
    `  verified  ${countOf(report.bytesVerified, "byte")} echoed, ${f2(report.mbPerSecond)} MB/s; ${report.connectionsCompleted}/${countOf(report.connections, "connection")} complete`,
    `  latency   chunk round trip p50 ${f2(report.latency.p50)} ms, p90 ${f2(report.latency.p90)}, p99 ${f2(report.latency.p99)}, p99.9 ${f2(report.latency.p999)}, max ${f2(report.latency.max)} (${countOf(report.latency.count, "chunk")})`,
    `  finished  first ${f3(report.completion.min)} s, median ${f3(report.completion.p50)} s, last ${f3(report.completion.max)} s`
  ]
  const kinds = Object.entries(report.errors)
  if (kinds.length === 0) {
    lines.push("  errors    none")
  } else {
    lines.push(`  errors    ${kinds.map(([kind, count]) => `${kind} ${count}`).join(", ")}`)
    for (const detail of report.errorDetails) lines.push(`    - ${detail.kind}: ${detail.message}`)
  }
  return lines.join("\n")
}

/** One row per repetition and the min/median/spread line, above the fastest repetition's summary. */
export const formatRepetitions = (r: Repetitions): string =>
  [
    `${countOf(r.seconds.length, "repetition")}${r.warmup > 0 ? ` after ${countOf(r.warmup, "warm-up")}` : ""}; the fastest is summarized below`,
    ...alignedRows(
      plainTable(
        ["repetition", "time s", "MB/s"],
        [true, true, true],
        r.seconds.map((s, i) => [String(i + 1), s.toFixed(3), r.mbPerSecond[i]!.toFixed(2)])
      )
    ).map((line) => `  ${line}`),
    `  min ${r.minSeconds.toFixed(3)} s, median ${r.medianSeconds.toFixed(3)} s, max ${r.maxSeconds.toFixed(3)} s, spread ${formatPercent(r.spread)}`
  ].join("\n")

/** Why the measured figure is less sure; empty when nothing is wrong. */
export const floodWarnings = (result: Timed, repetitions: Repetitions | undefined): Array<string> => {
  const warnings: Array<string> = []
  if (result.ok && result.seconds < SHORT_SECONDS) {
    warnings.push(
      `warning: measured ${(result.seconds * 1000).toFixed(1)} ms, under ${SHORT_SECONDS * 1000} ms: timer and scheduling granularity dominate; send more (--bytes, --connections) or repeat (--repetitions 5)`
    )
  }
  if (repetitions !== undefined && repetitions.spread > NOISY_SPREAD) {
    warnings.push(
      `warning: the repetitions spread ${formatPercent(repetitions.spread)}, over ${NOISY_SPREAD * 100}%: something else ran or the flood is too short; trust the minimum less`
    )
  }
  return warnings
}
