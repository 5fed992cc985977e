/**
 * What one saturation run measured, as `saturate --json` prints it and as
 * `run.json` keeps it (field `saturation`). Times are seconds and sizes
 * bytes unless a field name says otherwise (`Ms`: milliseconds); shares are
 * 0..1. Every view (terminal summary, Markdown, HTML, charts) is a function
 * of this data alone.
 */
import * as Schema from "effect/Schema"
import { NetworkDescription } from "../engine/FloodResult.ts"
import { ProbeReport, SaturationClientReport } from "../engine/SaturationReports.ts"
import { CoreLoad, coreSplit } from "../system/CoreLoad.ts"

export { CoreLoad }

/**
 * Mean and spread of one per-second series over the steady state.
 *
 * @category models
 */
export const Spread = Schema.Struct({
  /** Samples the figures are taken over. */
  count: Schema.Number,
  mean: Schema.Number,
  /** Population standard deviation. */
  stddev: Schema.Number,
  min: Schema.Number,
  max: Schema.Number
})
export type Spread = typeof Spread.Type

/** @category models */
export const CoreSpread = coreSplit(Spread)
export type CoreSpread = typeof CoreSpread.Type

/**
 * The series the parent samples every second, each given as `value` (a number
 * in one sample, a spread over the steady state) and the cores as `core`.
 * The optional ones need /proc readings the parent may not get.
 */
const sampledSeries = <Value extends Schema.Schema.Any, Core extends Schema.Schema.Any>(value: Value, core: Core) => ({
  /** Verified echo, 10^6 bytes per second (from the client's counters). */
  mbPerSecond: value,
  serverCore: Schema.optional(core),
  clientCore: Schema.optional(core),
  /** System-wide (`ctxt` in /proc/stat). */
  contextSwitchesPerSecond: value,
  /**
   * The server process's own CPU time (utime + stime), in cores. It misses
   * softirq, but it is the server's alone, whereas the core columns include
   * anything else that ran on that core.
   */
  serverProcessCpu: Schema.optional(value),
  /** The server process's voluntary + involuntary switches, summed over its threads (/proc/<pid>/task/N/status). */
  serverContextSwitchesPerSecond: Schema.optional(value),
  serverRssBytes: Schema.optional(value),
  /** Kernel TCP memory in use (/proc/net/sockstat `mem`, pages × 4096). */
  tcpMemoryBytes: Schema.optional(value)
})

/**
 * One second of the steady state, read by the parent.
 *
 * @category models
 */
export const SaturationSample = Schema.Struct({
  /** End of the sample, seconds since the steady state began. */
  second: Schema.Number,
  /** Connections open on the client. */
  connectionsOpen: Schema.Number,
  ...sampledSeries(Schema.Number, CoreLoad),
  /** The client core was at least as busy as the server core in this second: the client may have set its pace. */
  clientBound: Schema.optional(Schema.Boolean)
})
export type SaturationSample = typeof SaturationSample.Type

/**
 * ok: ran its full steady state. stalled: the server stopped echoing for
 * seconds on end. server-exited: the server died under load. failed: the
 * measurement itself broke (client or probe process); `reason` says which.
 *
 * @category models
 */
export const SaturationStatus = Schema.Literal("ok", "stalled", "server-exited", "failed")
export type SaturationStatus = typeof SaturationStatus.Type

/** @category models */
export const SaturationSettings = Schema.Struct({
  connections: Schema.Number,
  durationSeconds: Schema.Number,
  rampTimeoutSeconds: Schema.Number,
  warmupSeconds: Schema.Number,
  /** Connections sent as soon as each opened, instead of all together when the ramp ended. */
  sendDuringRamp: Schema.Boolean,
  chunk: Schema.Number,
  window: Schema.Number,
  probeIntervalMs: Schema.Number,
  probeTimeoutMs: Schema.Number,
  probeMaxOutstanding: Schema.Number,
  probeBytes: Schema.Number,
  /** The saturating client: "native" (the C client) or the runtime of our TS client. */
  client: Schema.String,
  /** Runtime of the client-delay probe (before it was recorded: the client's). */
  probe: Schema.optional(Schema.String),
  serverCore: Schema.Number,
  clientCore: Schema.Number,
  /** --server-cores / --client-cores with more than one core: the lists (core loads are over all of a side's cores). */
  serverCores: Schema.optional(Schema.Array(Schema.Number)),
  clientCores: Schema.optional(Schema.Array(Schema.Number)),
  /** CPUs both sides ran on: they competed for them, and each side's core load holds the other's work. */
  sharedCpus: Schema.optional(Schema.String),
  /** The link between the client and the server; loopback when absent. */
  network: Schema.optional(NetworkDescription)
})
export type SaturationSettings = typeof SaturationSettings.Type

/**
 * The steady state: the spread of each sampled series, and what the samples add up to.
 *
 * @category models
 */
export const SteadySummary = Schema.Struct({
  /** Steady state actually measured (shorter than asked when the server died). */
  seconds: Schema.Number,
  ...sampledSeries(Spread, CoreSpread),
  /** VmHWM of the server at the end. */
  serverPeakRssBytes: Schema.optional(Schema.Number),
  /** Seconds in which no byte at all was echoed, and the longest run of them. */
  zeroSeconds: Schema.Number,
  longestZeroRunSeconds: Schema.Number,
  /** The client core was on average at least as busy as the server core: the client may have set the pace. */
  clientBound: Schema.Boolean,
  /** Seconds flagged client-bound (`clientBound` of the samples). */
  clientBoundSeconds: Schema.optional(Schema.Number)
})
export type SteadySummary = typeof SteadySummary.Type

/**
 * One target under saturation.
 *
 * @category models
 */
export const SaturationResult = Schema.Struct({
  target: Schema.String,
  status: SaturationStatus,
  /** Why the status is not ok, in words a reader can act on. */
  reason: Schema.optional(Schema.String),
  /** Handshakes the kernel dropped on a full accept queue (TcpExt ListenOverflows in the server's namespace) from the ramp to the end. */
  listenOverflows: Schema.optional(Schema.Number),
  /**
   * Sentences stored by runs from before the notes became a view of the data
   * (report/SaturationNotes.ts); new runs leave it out, and reports show an
   * old run's notes as they were.
   */
  notes: Schema.optional(Schema.Array(Schema.String)),
  startedAt: Schema.String,
  settings: SaturationSettings,
  server: Schema.Struct({
    pid: Schema.Number,
    /** Set when the server exited by itself during the run. */
    exitCode: Schema.optional(Schema.Number),
    /** Set when a signal ended the server during the run, e.g. "SIGKILL". */
    signal: Schema.optional(Schema.String),
    stderrTail: Schema.optional(Schema.String)
  }),
  steady: SteadySummary,
  samples: Schema.Array(SaturationSample),
  client: Schema.optional(SaturationClientReport),
  probe: Schema.optional(ProbeReport),
  /** Why the probe has no report: it did not start or did not report, with its failure message or last output. */
  probeProblem: Schema.optional(Schema.Struct({ stage: Schema.Literal("start", "report"), message: Schema.String })),
  /**
   * Processes per side when either side ran as several (one process cannot hold the connections here, or they
   * were forced): the server's sharing its port, the client's with their connections and source addresses.
   * CPU, context switches, RSS and peak RSS of the server side are sums over `serverPids`; the client report
   * and the per-second throughput merge the client processes. Absent: one process per side.
   */
  processes: Schema.optional(
    Schema.Struct({
      server: Schema.Number,
      serverPids: Schema.Array(Schema.Number),
      client: Schema.Number,
      clientConnections: Schema.Array(Schema.Number),
      sourceAddresses: Schema.optional(Schema.Array(Schema.String))
    })
  ),
  /** Threads of the server process at the end of the steady state (its own context switches are summed over them). */
  serverThreads: Schema.optional(Schema.Number),
  /** Longest gap between the saturating client's progress ticks (sent every 250 ms), ms: its event loop's worst delay. */
  clientTickGapMs: Schema.optional(Schema.Number)
})
export type SaturationResult = typeof SaturationResult.Type
