/** The human-readable summary `flood` prints without `--json`. */
import type { FloodReport } from "../engine/FloodResult.ts"
import { countOf } from "./NumberFormat.ts"

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
