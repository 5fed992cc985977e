/**
 * The saturation results as tables: one row per target with what the
 * original benchmark's vmstat columns showed (context switches/s, user,
 * system, idle %, here per core and with softirq), echo throughput, server
 * memory, client delay and starved connections; a second table with the
 * ramp, fairness and probe counts; and each target's notes. The tables are
 * `Table`s of ReportDocument, so the Markdown and HTML views share them.
 */

import { formatCount, formatMbPerSecond, formatMiB } from "../run/NumberFormat.ts"
import type { SaturationResult } from "../run/SaturationResult.ts"
import { notesOf } from "./SaturationNotes.ts"
import { escapeMarkdown, markdownTable, type Table, type TableCell } from "./Table.ts"

const dash: TableCell = { text: "–" }
const pct = (share: number | undefined): TableCell => (share === undefined ? dash : { text: (share * 100).toFixed(0) })
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const kbs = (bytesPerSecond: number) => formatCount(Math.round(bytesPerSecond / 1000))

/** "ok", with ‡ and the client-bound seconds when the client core was at least as busy as the server's. */
const statusCell = (r: SaturationResult): TableCell =>
  r.status === "ok"
    ? {
        text: `${r.steady.clientBound ? "ok ‡" : "ok"}${(r.steady.clientBoundSeconds ?? 0) > 0 ? ` (client-bound ${r.steady.clientBoundSeconds}/${r.samples.length} s)` : ""}`,
        tone: r.steady.clientBound ? "clientBound" : "ok"
      }
    : { text: r.status === "server-exited" ? "server exited" : r.status.toUpperCase(), tone: "failed", title: r.reason }

/** A delay percentile; "≥" when it is the probe timeout (a probe that timed out counts as the timeout). */
const delay = (r: SaturationResult, value: number | undefined, count = r.probe?.roundTrip.count): TableCell => {
  if (r.probe === undefined || value === undefined || count === undefined || count === 0) return dash
  const atTimeout = r.probe.timedOut > 0 && value >= r.probe.timeoutMs
  return { text: `${atTimeout ? "≥ " : ""}${ms(value)}`, title: atTimeout ? "at least the probe timeout" : undefined }
}

/**
 * One row per target: throughput, context switches, both cores' time split
 * (percent), server RSS, client delay and starved connections.
 */
export const saturationTable = (results: ReadonlyArray<SaturationResult>): Table => ({
  header: [
    "target",
    "status",
    "MB/s",
    "± MB/s",
    "ctx sw/s",
    "server user %",
    "server sys %",
    "server softirq %",
    "server idle %",
    "client user %",
    "client sys %",
    "client softirq %",
    "client idle %",
    "server RSS MiB",
    "delay p50 ms",
    "delay p99 ms",
    "delay max ms",
    "starved"
  ],
  numeric: [
    false,
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true
  ],
  rows: results.map((r) => {
    const st = r.steady
    const sampled = st.mbPerSecond.count > 0
    const f = r.client?.fairness
    return [
      { text: r.target },
      statusCell(r),
      sampled ? { text: formatMbPerSecond(st.mbPerSecond.mean) } : dash,
      sampled ? { text: formatMbPerSecond(st.mbPerSecond.stddev) } : dash,
      sampled ? { text: formatCount(Math.round(st.contextSwitchesPerSecond.mean)) } : dash,
      pct(st.serverCore?.user.mean),
      pct(st.serverCore?.system.mean),
      pct(st.serverCore?.softirq.mean),
      pct(st.serverCore?.idle.mean),
      pct(st.clientCore?.user.mean),
      pct(st.clientCore?.system.mean),
      pct(st.clientCore?.softirq.mean),
      pct(st.clientCore?.idle.mean),
      st.serverRssBytes === undefined ? dash : { text: formatMiB(st.serverRssBytes.mean) },
      delay(r, r.probe?.roundTrip.p50),
      delay(r, r.probe?.roundTrip.p99),
      delay(r, r.probe?.roundTrip.max),
      f === undefined
        ? dash
        : {
            text: `${formatCount(f.starved)} / ${formatCount(f.connections)}`,
            title: `${(f.starvedShare * 100).toFixed(1)}% of connections went over ${f.starvedAfterSeconds} s without a verified byte`
          }
    ]
  })
})

/** Ramp, fairness spread, server switches, and the probe's counts. */
export const saturationDetailTable = (results: ReadonlyArray<SaturationResult>): Table => ({
  header: [
    "target",
    "connections",
    "ramp s",
    "failed conns",
    "per-conn min kB/s",
    "median kB/s",
    "max kB/s",
    "longest gap s",
    "server ctx sw/s",
    "server core busy %",
    "server process CPU %",
    "client core busy %",
    "probes",
    "timed out",
    "failed",
    "connect p50 ms",
    "connect p99 ms"
  ],
  numeric: [false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
  rows: results.map((r) => {
    const c = r.client
    const p = r.probe
    const st = r.steady
    const failedConnections = c === undefined ? undefined : Object.values(c.errors).reduce((a, b) => a + b, 0)
    return [
      { text: r.target },
      c === undefined ? dash : { text: `${formatCount(c.ramp.connected)} / ${formatCount(c.connections)}` },
      c === undefined ? dash : { text: c.ramp.seconds.toFixed(1) },
      failedConnections === undefined ? dash : { text: formatCount(failedConnections) },
      c === undefined ? dash : { text: kbs(c.fairness.minBytesPerSecond) },
      c === undefined ? dash : { text: kbs(c.fairness.medianBytesPerSecond) },
      c === undefined ? dash : { text: kbs(c.fairness.maxBytesPerSecond) },
      c === undefined ? dash : { text: c.fairness.maxLongestGapSeconds.toFixed(1) },
      st.serverContextSwitchesPerSecond === undefined
        ? dash
        : { text: formatCount(Math.round(st.serverContextSwitchesPerSecond.mean)) },
      pct(st.serverCore?.busy.mean),
      pct(st.serverProcessCpu?.mean),
      pct(st.clientCore?.busy.mean),
      p === undefined ? dash : { text: formatCount(p.scheduled) },
      p === undefined ? dash : { text: formatCount(p.timedOut), tone: p.timedOut > 0 ? "failed" : undefined },
      p === undefined ? dash : { text: formatCount(p.failed + p.skipped), tone: p.failed > 0 ? "failed" : undefined },
      delay(r, p?.connect.p50, p?.connect.count),
      delay(r, p?.connect.p99, p?.connect.count)
    ]
  })
})

/** What every saturation table assumes, in a sentence or three. */
export const saturationIntro = (results: ReadonlyArray<SaturationResult>): string => {
  const s = results[0]?.settings
  if (s === undefined) return "No saturation results."
  const clients = Math.max(...results.map((r) => r.processes?.client ?? 1))
  const servers = Math.max(...results.map((r) => r.processes?.server ?? 1))
  const from =
    clients > 1
      ? `${clients} ${s.client} client processes (their figures merged), against up to ${servers} server processes sharing the port (their usage summed)`
      : `one ${s.client} client process`
  return `Each target was held at saturation by ${formatCount(s.connections)} connections from ${from}, each keeping ${s.chunk / 1024} KiB unechoed and verifying every byte, for ${s.durationSeconds} s after all connections were open; the server ran on core ${s.serverCore}, the client and the probe on core ${s.clientCore}. Figures are steady-state means of one-second samples: MB/s is verified echo (10^6 bytes/s), ctx sw/s the whole system's context switches, the core columns per-core /proc/stat (user, system + irq, softirq, idle + iowait; they include anything else that ran on the core, while "server process CPU" is the server's own utime + stime, without softirq). Client delay: a separate ${s.probe ?? s.client} process opens a fresh connection every ${s.probeIntervalMs} ms whatever earlier ones are doing, sends ${s.probeBytes / 1024} KiB and waits for the verified echo; a probe that timed out (${s.probeTimeoutMs} ms) counts as the timeout ("≥"). Starved: connections that went more than 1 s without a verified byte. ‡ client-bound: on average the client core was at least as busy as the server core, so the server may cope better than shown; "client-bound n/m s" counts the seconds in which it was.`
}

/** Each target's status reason and notes, as lines. */
export const saturationNotes = (results: ReadonlyArray<SaturationResult>): ReadonlyArray<string> =>
  results.flatMap((r) => [
    ...(r.reason === undefined ? [] : [`${r.target}: ${r.status}: ${r.reason}`]),
    ...notesOf(r).map((note) => `${r.target}: ${note.trim()}`)
  ])

export interface SaturationMarkdownOptions {
  /** Heading level of the section (default 2). */
  readonly level?: 2 | 3
  /** Where each chart's SVG is, relative to the Markdown file (see `saturationChartFileName`); no images without it. */
  readonly chartPath?: (chart: "throughput" | "client-delay") => string
}

/** The whole saturation section in Markdown: heading, intro, both tables, charts, notes. */
export const renderSaturationMarkdown = (
  results: ReadonlyArray<SaturationResult>,
  options: SaturationMarkdownOptions = {}
): string => {
  const hashes = "#".repeat(options.level ?? 2)
  const parts = [`${hashes} Saturation`, escapeMarkdown(saturationIntro(results))]
  if (results.length > 0) {
    parts.push(markdownTable(saturationTable(results)), markdownTable(saturationDetailTable(results)))
    if (options.chartPath !== undefined) {
      parts.push(
        `![Echo throughput over the steady state](${encodeURI(options.chartPath("throughput"))})`,
        `![Client delay percentiles](${encodeURI(options.chartPath("client-delay"))})`
      )
    }
    const notes = saturationNotes(results)
    if (notes.length > 0) parts.push(notes.map((n) => `- ${escapeMarkdown(n)}`).join("\n"))
  }
  return `${parts.join("\n\n")}\n`
}
