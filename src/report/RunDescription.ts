/**
 * The sections that describe a run rather than its results: the targets
 * with their versions and notes, the machine, and the options it ran with.
 */
import { networkWords } from "../run/NetworkChoice.ts"
import { formatGiB, formatSize } from "../run/NumberFormat.ts"
import type { RunFile } from "../run/RunFile.ts"
import { type Block, paragraph, type Section, table } from "./ReportBlocks.ts"
import type { ResultGrid } from "./ResultGrid.ts"

export const targetsSection = (grid: ResultGrid): Section => {
  const withNotes = grid.targets.filter((t) => t.notes.length > 0)
  return {
    id: "targets",
    heading: "Targets",
    level: 2,
    blocks: [
      table({
        header: ["target", "name", "kind", "language", "framework", "version", "TCP_NODELAY", "here"],
        numeric: [false, false, false, false, false, false, false, false],
        rows: grid.targets.map((t) => [
          { text: grid.label(t.name) },
          { text: t.name },
          { text: t.kind },
          { text: t.language },
          { text: t.framework },
          { text: t.version },
          { text: t.noDelay ? "yes" : "no" },
          t.available
            ? { text: "available", tone: "ok" }
            : { text: `unavailable: ${t.reason ?? "no reason recorded"}`, tone: "skipped" }
        ])
      }),
      ...(withNotes.length > 0
        ? [
            {
              _tag: "List",
              items: withNotes.flatMap((t) => t.notes.map((n) => `${grid.label(t.name)}: ${n}`))
            } as const
          ]
        : [])
    ]
  }
}

const keyValue = (pairs: ReadonlyArray<readonly [string, string]>): Block =>
  table({
    header: ["", ""],
    numeric: [false, false],
    rows: pairs.map(([k, v]) => [{ text: k }, { text: v }])
  })

export const environmentSection = (run: RunFile): Section => {
  const e = run.environment
  const sysctls = Object.entries(e.sysctls).sort(([a], [b]) => a.localeCompare(b))
  return {
    id: "environment",
    heading: "Environment",
    level: 2,
    blocks: [
      keyValue([
        ["host", e.host],
        ["kernel", e.kernel],
        ["CPU", e.cpuModel],
        ["cores", String(e.cpus)],
        ["memory", formatGiB(e.memoryBytes)],
        ["CPU governor", e.governor ?? "unknown"],
        ["client runtime", `${e.clientRuntime} ${e.clientRuntimeVersion}`],
        ["open files (soft / hard)", `${e.openFiles.soft} / ${e.openFiles.hard}`],
        ["git commit", e.gitCommit],
        ["started", run.startedAt],
        ["last written", run.updatedAt],
        ...(run.interruptedAt !== undefined ? [["interrupted", run.interruptedAt] as const] : [])
      ]),
      ...(sysctls.length > 0
        ? [
            paragraph("sysctls:"),
            table({
              header: ["sysctl", "value"],
              numeric: [false, false],
              // Multi-value sysctls are tab-separated in /proc/sys; spaces read the same and fit a table.
              rows: sysctls.map(([k, v]) => [{ text: k }, { text: v.replace(/\s+/g, " ") }])
            })
          ]
        : [])
    ]
  }
}

export const optionsSection = (run: RunFile): Section => {
  const o = run.options
  return {
    id: "options",
    heading: "Options",
    level: 2,
    blocks: [
      keyValue([
        ["targets", o.targets.join(", ")],
        ["client", o.client],
        ["connections", o.connections.join(", ")],
        ["bytes per connection", o.bytes.map((b) => `${b} (${formatSize(b)})`).join(", ")],
        ["repetitions", `${o.repetitions}${o.warmup ? " + 1 warm-up" : ""}`],
        ["chunk", `${o.chunk} (${formatSize(o.chunk)})`],
        ["window", `${o.window} (${formatSize(o.window)})`],
        ["server CPUs", o.serverCpus],
        ["client CPUs", o.clientCpus],
        ...(o.sharedCpus === undefined ? [] : [["CPUs shared by server and client", o.sharedCpus] as const]),
        ["pause between cells", `${o.pauseSeconds} s`],
        ["timeout per flood", `${o.timeoutSeconds} s`],
        ["network", networkWords(o.network)],
        ...(o.serverHost === undefined
          ? []
          : [
              [
                "server host",
                `${o.serverHost.destination} over SSH (${o.serverHost.hostName}, ${o.serverHost.kernel}, ${o.serverHost.cpus} × ${o.serverHost.cpuModel}), checkout ${o.serverHost.directory}, listening on ${o.serverHost.address}`
              ] as const
            ]),
        ["quick", o.quick ? "yes" : "no"],
        ["saturation phase", o.saturate ? "yes" : "no"]
      ])
    ]
  }
}
