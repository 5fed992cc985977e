/** The human-readable summary `saturate` prints without `--json`. */
import { type Percentiles, rampShortfall } from "../engine/SaturationReports.ts"
import { networkWords } from "../run/NetworkChoice.ts"
import type { CoreSpread, SaturationResult, Spread } from "../run/SaturationResult.ts"
import { notesOf } from "./SaturationNotes.ts"

const pct = (share: number) => `${(share * 100).toFixed(0)}%`
const f0 = (n: number) => n.toFixed(0)
const f1 = (n: number) => n.toFixed(1)
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const kbs = (bytesPerSecond: number) => `${(bytesPerSecond / 1000).toFixed(0)} kB/s`

/** "850 MB/s ± 12 (min 820, max 871)" */
const spread = (s: Spread, unit: string, format: (n: number) => string = f0) =>
  s.count === 0 ? "–" : `${format(s.mean)}${unit} ± ${format(s.stddev)} (min ${format(s.min)}, max ${format(s.max)})`

const core = (label: string, c: CoreSpread | undefined) =>
  c === undefined
    ? `  ${label.padEnd(12)}–`
    : `  ${label.padEnd(12)}core ${c.core}: busy ${pct(c.busy.mean)} (user ${pct(c.user.mean)}, system ${pct(c.system.mean)}, softirq ${pct(c.softirq.mean)}, idle ${pct(c.idle.mean)}); busy min ${pct(c.busy.min)}, max ${pct(c.busy.max)}`

const percentiles = (p: Percentiles) =>
  `p50 ${ms(p.p50)} ms, p90 ${ms(p.p90)}, p99 ${ms(p.p99)}, p99.9 ${ms(p.p999)}, max ${ms(p.max)} (${p.count})`

export const formatSaturationSummary = (result: SaturationResult): string => {
  const s = result.settings
  const st = result.steady
  const lines = [
    `${result.status === "ok" ? "ok" : result.status.toUpperCase()}: ${result.target} saturated by ${s.connections} ${s.client} connections, ${s.chunk / 1024} KiB in flight each, ${f1(st.seconds)} of ${s.durationSeconds} s steady state${result.reason === undefined ? "" : `\n  why         ${result.reason}`}`
  ]
  if (s.network !== undefined) lines.push(`  network     ${networkWords(s.network)}`)
  const c = result.client
  if (c !== undefined) {
    lines.push(
      `  ramp        ${c.ramp.connected} connected, ${c.ramp.failed} failed in ${f1(c.ramp.seconds)} s${c.ramp.complete ? "" : ` (timed out with ${rampShortfall(c.ramp)})`}; ${f0(c.ramp.bytesVerified / 1e6)} MB echoed before the steady state`
    )
  }
  lines.push(
    `  echo        ${spread(st.mbPerSecond, " MB/s")}${c === undefined ? "" : `; ${f0(c.steady.bytesVerified / 1e6)} MB verified`}`,
    `${core("server", st.serverCore)}${st.serverProcessCpu === undefined ? "" : `; server process ${pct(st.serverProcessCpu.mean)} of a core`}`,
    core("client", st.clientCore),
    `  switches    system ${spread(st.contextSwitchesPerSecond, "/s")}${st.serverContextSwitchesPerSecond === undefined ? "" : `; server ${spread(st.serverContextSwitchesPerSecond, "/s")}`}`,
    `  server RSS  ${st.serverRssBytes === undefined ? "–" : `${mib(st.serverRssBytes.mean)} mean, ${mib(st.serverRssBytes.max)} max`}${st.serverPeakRssBytes === undefined ? "" : `; peak ${mib(st.serverPeakRssBytes)}`}${st.tcpMemoryBytes === undefined ? "" : `; kernel TCP memory ${mib(st.tcpMemoryBytes.mean)}`}`
  )
  if (c !== undefined) {
    const f = c.fairness
    lines.push(
      `  fairness    per connection min ${kbs(f.minBytesPerSecond)}, p10 ${kbs(f.p10BytesPerSecond)}, median ${kbs(f.medianBytesPerSecond)}, max ${kbs(f.maxBytesPerSecond)}`,
      `  starved     ${f.starved} of ${f.connections} (${pct(f.starvedShare)}) went > ${f.starvedAfterSeconds} s without progress; ${f.neverProgressed} none at all; longest gap median ${f1(f.medianLongestGapSeconds)} s, max ${f1(f.maxLongestGapSeconds)} s (fair cycle ${f.fairCycleSeconds.toFixed(2)} s)`,
      `  client      ${c.runtime} ${c.runtimeVersion}: ${f1(c.cpuUserSeconds + c.cpuSystemSeconds)} CPU s, peak RSS ${mib(c.peakRssBytes)}${st.clientBound ? "; CLIENT-BOUND (the client core set the pace)" : ""}${(st.clientBoundSeconds ?? 0) > 0 ? `; client-bound in ${st.clientBoundSeconds} of ${result.samples.length} s` : ""}`
    )
  }
  const p = result.probe
  if (p !== undefined) {
    lines.push(
      `  delay       round trip ${percentiles(p.roundTrip)}`,
      `              connect    ${percentiles(p.connect)}`,
      `              ${p.scheduled} probes every ${p.intervalMs} ms: ${p.completed} ok, ${p.timedOut} timed out (${p.timeoutMs} ms), ${p.failed} failed, ${p.skipped} skipped`
    )
  } else {
    lines.push("  delay       no probe report")
  }
  for (const note of notesOf(result)) lines.push(`  note        ${note}`)
  if (result.server.stderrTail !== undefined && result.server.stderrTail.trim() !== "") {
    lines.push(
      "  server stderr (last lines):",
      ...result.server.stderrTail
        .trim()
        .split("\n")
        .slice(-10)
        .map((l) => `    ${l}`)
    )
  }
  return lines.join("\n")
}
