/**
 * A hand-built run for the report tests, shaped like a real one on the 2 vCPU
 * machine of DESIGN.md: three targets that ran and one that could not, sizes
 * 32 KiB and 512 KiB, 1 to 1000 connections, one warm-up and three
 * repetitions per cell. It holds each case a report must show: a
 * client-bound cell, a failed cell, a skipped cell, an unavailable target
 * and an ok cell written without its summary.
 */
import type { Cell, CellSummary, CoreLoad, RunFile, Sample, TargetInfo } from "../suite/RunFile.ts"

export const SIZES = [32768, 524288] as const
export const CONNECTIONS = [1, 10, 100, 1000] as const
export const REPETITIONS = 3

export const targets: ReadonlyArray<TargetInfo> = [
  {
    name: "c-epoll",
    displayName: "C epoll",
    kind: "external",
    language: "C",
    framework: "epoll (edge-triggered)",
    version: "gcc 12.2.0",
    available: true,
    noDelay: false,
    notes: ["One 32 KiB buffer per connection; the reference for what loopback allows."]
  },
  {
    name: "go-copy",
    displayName: "Go io.Copy",
    kind: "external",
    language: "Go",
    framework: "net",
    version: "go1.19.8",
    available: true,
    noDelay: false,
    notes: ['io.Copy(conn, conn) uses splice(2) & holds a pipe pair per active connection ("v1").']
  },
  {
    name: "node",
    displayName: "Node.js node:net",
    kind: "runtime",
    language: "TypeScript",
    framework: "node:net",
    version: "v20.20.2",
    available: true,
    noDelay: false,
    notes: ["Our adapter: pauses reading while a write is pending, <no Effect per chunk>."]
  },
  {
    name: "erlang",
    displayName: "Erlang gen_tcp",
    kind: "external",
    language: "Erlang",
    framework: "gen_tcp",
    version: "-",
    available: false,
    reason: "erl not found: install erlang-nox",
    noDelay: false,
    notes: ["Socket buffers raised from the 1500-byte default to 16 KiB, as in the original."]
  }
]

/** Minimum seconds of 1000 × 512 KiB, from DESIGN.md. */
const fullLoadSeconds: Record<string, number> = { "c-epoll": 0.364, "go-copy": 0.419, node: 0.803 }

/** The cell that was client-bound: the C server outran our client. */
export const CLIENT_BOUND = { target: "c-epoll", connections: 1000, bytes: 524288 } as const
export const FAILED = {
  target: "go-copy",
  connections: 1000,
  bytes: 524288,
  reason: "3 of 1000 connections stalled: no byte for 10 s, accept failed with EMFILE"
} as const
export const SKIPPED = {
  target: "node",
  connections: 1000,
  bytes: 524288,
  reason: "needs 1064 open files, soft limit is 1024: raise it with `ulimit -n 65535`"
} as const
/** An ok cell written without a summary, as an interrupted run may leave one. */
export const NO_SUMMARY = { target: "node", connections: 1, bytes: 32768 } as const

const core = (index: number, busy: number): CoreLoad => ({
  core: index,
  busy,
  user: busy * 0.35,
  system: busy * 0.4,
  softirq: busy * 0.25,
  idle: 1 - busy
})

const minSecondsOf = (target: string, connections: number, bytes: number) =>
  // A fixed cost per flood plus time proportional to the bytes echoed.
  0.0004 + (fullLoadSeconds[target]! * (connections * bytes)) / (1000 * 524288)

const sample = (
  target: string,
  connections: number,
  bytes: number,
  repetition: number,
  warmup: boolean,
  clientBound: boolean,
  ok = true
): Sample => {
  // Repetition 1 is the fastest; later ones 3% and 5% slower; the warm-up 20%.
  const factor = warmup ? 1.2 : [1, 1.03, 1.05][repetition - 1]!
  const seconds = minSecondsOf(target, connections, bytes) * factor
  const bytesVerified = ok ? connections * bytes : (connections - 3) * bytes
  const serverBusy = clientBound ? 0.55 : 0.97
  const clientBusy = clientBound ? 1 : 0.62
  return {
    repetition,
    warmup,
    startedAt: `2025-11-26T14:0${repetition}:00.000Z`,
    flood: {
      ok,
      runtime: "node",
      runtimeVersion: "v20.20.2",
      host: "127.0.0.1",
      port: 40001,
      connections,
      bytesPerConnection: bytes,
      chunk: 32768,
      window: 32768,
      seconds,
      connectSeconds: connections * 0.00004,
      bulkSeconds: seconds - connections * 0.00004,
      bytesVerified,
      mbPerSecond: bytesVerified / seconds / 1e6,
      connectionsCompleted: ok ? connections : connections - 3,
      completion: { min: seconds * 0.2, p50: seconds * 0.6, max: seconds },
      latency: { count: (connections * bytes) / 32768, p50: 0.21, p90: 0.5, p99: 1.25, p999: 2.5, max: 4 },
      errors: ok ? {} : { stalled: 3 },
      errorDetails: ok
        ? []
        : [{ kind: "stalled", connection: 997, offset: 65536, message: "no byte for 10 s" } as const]
    },
    server: {
      pid: 4242,
      cpuUserSeconds: seconds * 0.3,
      cpuSystemSeconds: seconds * 0.5,
      voluntaryContextSwitches: connections * 12,
      involuntaryContextSwitches: connections * 2,
      peakRssBytes: 8 * 1024 * 1024 + connections * 36 * 1024,
      rssBytes: 6 * 1024 * 1024 + connections * 30 * 1024
    },
    serverCore: core(0, serverBusy),
    clientCore: core(1, clientBusy),
    clientBound,
    contextSwitchesPerSecond: 45000
  }
}

const summaryOf = (samples: ReadonlyArray<Sample>): CellSummary => {
  const measured = samples.filter((s) => !s.warmup)
  const seconds = measured.map((s) => s.flood.seconds).sort((a, b) => a - b)
  const fastest = measured.find((s) => s.flood.seconds === seconds[0])!
  return {
    minSeconds: seconds[0]!,
    medianSeconds: seconds[1]!,
    maxSeconds: seconds[2]!,
    spread: (seconds[2]! - seconds[0]!) / seconds[0]!,
    mbPerSecond: fastest.flood.mbPerSecond,
    clientBound: fastest.clientBound,
    serverCpuSeconds: fastest.server!.cpuUserSeconds + fastest.server!.cpuSystemSeconds,
    serverContextSwitches: fastest.server!.voluntaryContextSwitches + fastest.server!.involuntaryContextSwitches,
    serverPeakRssBytes: fastest.server!.peakRssBytes,
    serverCoreBusy: fastest.serverCore!.busy,
    clientCoreBusy: fastest.clientCore!.busy
  }
}

const is = (c: { target: string; connections: number; bytes: number }, t: string, n: number, b: number) =>
  c.target === t && c.connections === n && c.bytes === b

const cellOf = (target: TargetInfo, connections: number, bytes: number): Cell => {
  const at = { target: target.name, connections, bytesPerConnection: bytes }
  if (!target.available) return { ...at, status: "skipped", reason: target.reason!, samples: [] }
  if (is(SKIPPED, target.name, connections, bytes)) {
    return { ...at, status: "skipped", reason: SKIPPED.reason, samples: [] }
  }
  if (is(FAILED, target.name, connections, bytes)) {
    return {
      ...at,
      status: "failed",
      reason: FAILED.reason,
      samples: [
        sample(target.name, connections, bytes, 0, true, false),
        sample(target.name, connections, bytes, 1, false, false, false)
      ]
    }
  }
  const clientBound = is(CLIENT_BOUND, target.name, connections, bytes)
  const samples = [
    sample(target.name, connections, bytes, 0, true, clientBound),
    ...[1, 2, 3].map((r) => sample(target.name, connections, bytes, r, false, clientBound))
  ]
  if (is(NO_SUMMARY, target.name, connections, bytes)) return { ...at, status: "ok", samples }
  return { ...at, status: "ok", samples, summary: summaryOf(samples) }
}

/** The fixture run; pass overrides for a variant (an interrupted run, another id). */
export const fixtureRun = (overrides: Partial<RunFile> = {}): RunFile => ({
  schemaVersion: 1,
  id: "2025-11-26T14-00-00_bench",
  startedAt: "2025-11-26T14:00:00.000Z",
  updatedAt: "2025-11-26T14:09:30.000Z",
  complete: true,
  environment: {
    host: "bench",
    kernel: "Linux 6.1.0-40-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.153-1",
    cpuModel: "AMD EPYC 7B13",
    cpus: 2,
    memoryBytes: 8 * 1024 ** 3,
    governor: "performance",
    clientRuntime: "node",
    clientRuntimeVersion: "v20.20.2",
    gitCommit: "a0ace6a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6",
    openFiles: { soft: 1024, hard: 20000 },
    sysctls: {
      "net.core.somaxconn": "32768",
      "net.core.netdev_max_backlog": "32768",
      "net.ipv4.ip_local_port_range": "21000\t61000",
      "net.ipv4.tcp_rmem": "4096\t8192\t6291456"
    }
  },
  options: {
    targets: targets.map((t) => t.name),
    client: "node",
    connections: [...CONNECTIONS],
    bytes: [...SIZES],
    repetitions: REPETITIONS,
    warmup: true,
    chunk: 32768,
    window: 32768,
    serverCpus: "0",
    clientCpus: "1",
    pauseSeconds: 2,
    timeoutSeconds: 120,
    quick: false,
    saturate: false
  },
  targets,
  cells: SIZES.flatMap((bytes) => targets.flatMap((t) => CONNECTIONS.map((n) => cellOf(t, n, bytes)))),
  ...overrides
})

/** Samples a run holds, warm-ups included: one CSV row each. */
export const fixtureSampleCount = (run: RunFile) => run.cells.reduce((n, c) => n + c.samples.length, 0)
