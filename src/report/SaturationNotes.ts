/**
 * What a reader should know about one saturation result beyond its tables
 * (ramp incomplete, errors, probes skipped, a client that set the pace),
 * worded at report time from the result's data: run.json stores figures,
 * not sentences.
 */
import { rampShortfall } from "../engine/SaturationReports.ts"
import type { SaturationResult } from "../run/SaturationResult.ts"
import { MOST_THREADS_SUMMED } from "../system/ThreadSwitches.ts"

const pct = (share: number) => `${(share * 100).toFixed(0)}%`

/** Gaps between the client's progress ticks (every 250 ms) longer than this are worth a note. */
const LATE_TICKS_MS = 1500

/** The notes of one result, in the order a run meets their causes. */
export const notesOf = (result: SaturationResult): ReadonlyArray<string> => {
  // Results stored before the notes were a view kept their sentences.
  if (result.notes !== undefined) return result.notes
  const notes: Array<string> = []
  const { settings, steady, samples, client, probe, probeProblem } = result
  if (client !== undefined && !client.ramp.complete) {
    notes.push(
      `The ramp timed out after ${settings.rampTimeoutSeconds} s with ${rampShortfall(client.ramp)}: ${client.ramp.pending > 0 ? "they kept connecting" : "the server kept accepting"} during the steady state.`
    )
  }
  if (probeProblem !== undefined) {
    notes.push(
      `The client-delay probe did not ${probeProblem.stage === "start" ? "start" : "report"}: ${probeProblem.message}`
    )
  }
  if (result.serverThreads !== undefined && result.serverThreads > MOST_THREADS_SUMMED) {
    notes.push(
      `The server runs ${result.serverThreads} threads: its own context switches were not summed over them (too many files to read each second); the system-wide figure covers them.`
    )
  }
  if (result.clientTickGapMs !== undefined && result.clientTickGapMs > LATE_TICKS_MS) {
    notes.push(
      `The client's event loop was busy for up to ${(result.clientTickGapMs / 1000).toFixed(1)} s at a time (its progress ticks came late); per-second throughput is interpolated between them.`
    )
  }
  if (steady.zeroSeconds > 0 && result.status !== "stalled") {
    notes.push(`${steady.zeroSeconds} of ${samples.length} seconds had no byte echoed at all.`)
  }
  if (client !== undefined) {
    const f = client.fairness
    if (f.starved > 0) {
      notes.push(
        `${f.starved} of ${f.connections} connections (${pct(f.starvedShare)}) went over ${f.starvedAfterSeconds} s without a verified byte; ${f.neverProgressed} made no progress at all; the longest gap was ${f.maxLongestGapSeconds.toFixed(1)} s (median ${f.medianLongestGapSeconds.toFixed(1)} s).${
          f.fairCycleSeconds > f.starvedAfterSeconds
            ? ` At this throughput, with ${settings.window / 1024} KiB in flight on each connection, even a perfectly fair server reaches each connection only once every ${f.fairCycleSeconds.toFixed(2)} s.`
            : ""
        }`
      )
    }
    const kinds = Object.entries(client.errors)
    if (kinds.length > 0) {
      notes.push(`Saturating connections failed: ${kinds.map(([k, n]) => `${k} ${n}`).join(", ")}.`)
      for (const detail of client.errorDetails.slice(0, 3)) notes.push(`  ${detail.kind}: ${detail.message}`)
    }
  }
  if (probe !== undefined) {
    if (probe.timedOut > 0 || probe.failed > 0 || probe.skipped > 0) {
      notes.push(
        `Client delay: ${probe.timedOut} of ${probe.scheduled} probes timed out (${probe.timeoutMs} ms), ${probe.failed} failed, ${probe.skipped} were not started because ${probe.maxOutstanding} were still waiting.`
      )
    }
    if (probe.scheduleLagMaxMs > settings.probeIntervalMs) {
      notes.push(
        `The probe process started probes up to ${probe.scheduleLagMaxMs.toFixed(0)} ms late (its core is the loaded client core).`
      )
    }
  }
  if ((steady.clientBoundSeconds ?? 0) > 0 || steady.clientBound) {
    notes.push(
      `Client-bound${steady.clientBoundSeconds === undefined ? "" : ` in ${steady.clientBoundSeconds} of ${samples.length} seconds`}: the client core was at least as busy as the server core, so the client, not the server, may have set the pace${steady.clientBound ? " (on average too)" : ""}.`
    )
  }
  if (samples.length < settings.durationSeconds && result.status === "ok") {
    notes.push(`Only ${samples.length} of ${settings.durationSeconds} seconds were sampled.`)
  }
  return notes
}
