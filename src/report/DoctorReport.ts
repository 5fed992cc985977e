/**
 * What `doctor` prints, and `compare` before a run: this machine's limits,
 * and how each connection count runs here (one process each side, several
 * on one port, or not at all).
 */
import { countOf } from "../run/NumberFormat.ts"
import { connectionsVerdict, type Limits, portCount, THREAD_RESERVE, threadLimitFixes } from "../run/Preflight.ts"
import { planProcesses } from "../run/ProcessPlan.ts"
import { FD_RESERVE } from "../system/Limits.ts"
import { alignedRows, plainTable } from "./Table.ts"

/**
 * `threadTargets`: the targets with a thread per connection (target.json
 * `threadPerConnection`), whose connections each take a pid.
 */
export const doctorLines = (
  limits: Limits,
  connectionCounts: ReadonlyArray<number>,
  threadTargets: ReadonlyArray<string> = []
): Array<string> => {
  const lines = [
    `open files: soft ${limits.openFilesSoft}, hard ${limits.openFilesHard} (servers and clients are started with the hard limit)`,
    `net.core.somaxconn ${limits.somaxconn}${limits.somaxconn < 32768 ? " (the original used 32768; `doctor --tune` sets it)" : ""}`,
    `net.ipv4.tcp_max_syn_backlog ${limits.synBacklog}`,
    `net.ipv4.ip_local_port_range ${limits.portRange.join(" ")} (${portCount(limits)} ports)`,
    `TIME_WAIT sockets now: ${limits.timeWait}${
      limits.timeWaitReuse !== 0
        ? ` (net.ipv4.tcp_tw_reuse ${limits.timeWaitReuse}: connects on loopback reuse their ports, no wait needed)`
        : limits.timeWait > 10000
          ? " (they clear within 60 s; cells wait for them)"
          : ""
    }`,
    `memory available: ${(limits.memAvailableBytes / 2 ** 30).toFixed(1)} GiB; CPUs: ${limits.cpus}${limits.cpus < 2 ? " (server and client will share one core: results are not comparable with 2-core runs)" : ""}`
  ]
  const verdicts = connectionCounts.map((n) => connectionsVerdict(limits, n))
  const rows = connectionCounts.map((n, i) => {
    const verdict = verdicts[i]
    const several = planProcesses({
      connections: n,
      openFilesHard: limits.openFilesHard,
      ports: portCount(limits),
      serverMode: "reuseport"
    })
    const what =
      verdict === undefined
        ? `ok: one process each side (hard limit ${limits.openFilesHard})`
        : several._tag === "Planned"
          ? `${countOf(several.plan.serverProcesses, "server process", "server processes")} on one port (${countOf(several.plan.filesPerServerProcess, "open file")} each) and ${countOf(several.plan.clientProcesses, "client process", "client processes")}${several.plan.sourceAddresses > 1 ? ` over 127.0.0.1–127.0.0.${several.plan.sourceAddresses}` : ""}${limits.somaxconn < n ? `; connects queue at somaxconn ${limits.somaxconn}` : ""}`
          : several.reason
    return [String(n), String(n + FD_RESERVE), what]
  })
  lines.push("", ...alignedRows(plainTable(["connections", "open files", "here"], [true, true, false], rows)))
  if (verdicts.some((v) => v !== undefined))
    lines.push(
      "(several processes: only targets with `processes` in target.json share a port, the others are skipped; `doctor --tune` raises somaxconn to 32768)"
    )
  if (threadTargets.length > 0 && limits.pidMax !== undefined) {
    const short = connectionCounts.filter((n) => threadLimitFixes(limits, n).length > 0)
    lines.push(
      `kernel.pid_max ${limits.pidMax}, kernel.threads-max ${limits.threadsMax ?? "?"}: ${threadTargets.join(", ")} start a thread per connection, so n connections need both at n + ${THREAD_RESERVE} or more${
        short.length > 0
          ? `; too low for ${short.join(", ")} (those cells are skipped): ${threadLimitFixes(limits, Math.max(...short)).join("; ")}`
          : ""
      }`
    )
  }
  lines.push("")
  return lines
}
