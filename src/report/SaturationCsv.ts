/**
 * saturation.csv: the saturation phase of a run, beside results.csv. Per
 * target one `summary` row (status, steady MB/s, client-delay percentiles)
 * and one `second` row for every second of the steady state. Same CSV
 * conventions as results.csv (RFC 4180, CRLF, unrounded numbers, busy shares
 * in percent, latency in milliseconds).
 */
import type { SaturationResult } from "../run/SaturationResult.ts"
import { csvField } from "./CsvReport.ts"

export const SATURATION_CSV_COLUMNS = [
  "target",
  "row",
  "status",
  "second",
  "mbPerSecond",
  "connectionsOpen",
  "serverCoreBusyPercent",
  "serverCoreUserPercent",
  "serverCoreSystemPercent",
  "serverCoreSoftirqPercent",
  "clientCoreBusyPercent",
  "contextSwitchesPerSecond",
  "serverRssBytes",
  "clientDelayCount",
  "clientDelayP50Ms",
  "clientDelayP90Ms",
  "clientDelayP99Ms",
  "clientDelayP999Ms",
  "clientDelayMaxMs",
  "clientDelayTimedOut",
  "clientBound",
  "reason"
] as const

type Row = Partial<Record<(typeof SATURATION_CSV_COLUMNS)[number], string | number | boolean>>

const percent = (share: number | undefined) => (share === undefined ? undefined : share * 100)

const rows = (r: SaturationResult): ReadonlyArray<Row> => {
  const delay = r.probe?.roundTrip
  const summary: Row = {
    target: r.target,
    row: "summary",
    status: r.status,
    mbPerSecond: r.steady.mbPerSecond.mean,
    connectionsOpen: r.settings.connections,
    serverCoreBusyPercent: percent(r.steady.serverCore?.busy.mean),
    serverCoreUserPercent: percent(r.steady.serverCore?.user.mean),
    serverCoreSystemPercent: percent(r.steady.serverCore?.system.mean),
    serverCoreSoftirqPercent: percent(r.steady.serverCore?.softirq.mean),
    clientCoreBusyPercent: percent(r.steady.clientCore?.busy.mean),
    contextSwitchesPerSecond: r.steady.contextSwitchesPerSecond.mean,
    serverRssBytes: r.steady.serverPeakRssBytes,
    clientDelayCount: delay?.count,
    clientDelayP50Ms: delay?.p50,
    clientDelayP90Ms: delay?.p90,
    clientDelayP99Ms: delay?.p99,
    clientDelayP999Ms: delay?.p999,
    clientDelayMaxMs: delay?.max,
    clientDelayTimedOut: r.probe?.timedOut,
    clientBound: r.steady.clientBound,
    reason: r.reason
  }
  return [
    summary,
    ...r.samples.map(
      (s): Row => ({
        target: r.target,
        row: "second",
        status: r.status,
        second: s.second,
        mbPerSecond: s.mbPerSecond,
        connectionsOpen: s.connectionsOpen,
        serverCoreBusyPercent: percent(s.serverCore?.busy),
        serverCoreUserPercent: percent(s.serverCore?.user),
        serverCoreSystemPercent: percent(s.serverCore?.system),
        serverCoreSoftirqPercent: percent(s.serverCore?.softirq),
        clientCoreBusyPercent: percent(s.clientCore?.busy),
        contextSwitchesPerSecond: s.contextSwitchesPerSecond,
        clientBound: s.clientBound,
        serverRssBytes: s.serverRssBytes
      })
    )
  ]
}

export const renderSaturationCsv = (results: ReadonlyArray<SaturationResult>): string => {
  const lines = [
    SATURATION_CSV_COLUMNS.join(","),
    ...results.flatMap(rows).map((row) => SATURATION_CSV_COLUMNS.map((c) => csvField(row[c])).join(","))
  ]
  return `${lines.join("\r\n")}\r\n`
}
