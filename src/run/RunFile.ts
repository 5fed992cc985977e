/**
 * `runs/<id>/run.json`: everything a suite run measured, written after every
 * cell. Every report is a function of this file alone. Times are seconds,
 * sizes bytes, shares 0..1 unless a field says otherwise.
 */
import * as Schema from "effect/Schema"
import { FloodReport, NetworkDescription } from "../engine/FloodResult.ts"
import { ProcessUsage } from "../engine/ProcessUsage.ts"
import { CoreLoad, ServerUsage } from "../system/CoreLoad.ts"
import { Environment } from "../system/Environment.ts"
import { SaturationResult } from "./SaturationResult.ts"

export { CoreLoad, Environment, ServerUsage }

/**
 * The flood client process, from /usr/bin/time: the whole process (runtime
 * start-up included; 10 ms resolution). Recorded by bench:core.
 */
export const ClientUsage = ProcessUsage
export type ClientUsage = ProcessUsage

/** A server holding every connection at once (bench:core part d). */
export const MemoryReading = Schema.Struct({
  /** VmRSS of the fresh server, after its readiness echo and a second of rest. */
  idleRssBytes: Schema.Number,
  /** VmHWM over the flood minus idleRssBytes. */
  deltaBytes: Schema.Number
})
export type MemoryReading = typeof MemoryReading.Type

export const Sample = Schema.Struct({
  repetition: Schema.Number,
  warmup: Schema.Boolean,
  startedAt: Schema.String,
  flood: FloodReport,
  /** Sums over the server's processes when it ran as several (`serverProcesses`). */
  server: Schema.optional(ServerUsage),
  /** How the server's sockets read (our TS servers: e.g. Node's internal `onread` or its `data` fallback, Deno's core ops). */
  serverReadPath: Schema.optional(Schema.String),
  /** How the server's sockets write (our Node server: the TCP handle, or node:net where the handle's binding is missing). */
  serverWritePath: Schema.optional(Schema.String),
  /** Server processes sharing the port (SO_REUSEPORT or cluster); 1 when absent. */
  serverProcesses: Schema.optional(Schema.Number),
  /** Flood client processes whose results were merged; 1 when absent. */
  clientProcesses: Schema.optional(Schema.Number),
  /**
   * The client's limits for this flood: a connection with no echo for
   * `stallTimeoutSeconds` fails as stalled, the flood ends at `timeoutSeconds`.
   * They differ by cell (floods split over client processes get longer ones),
   * so a failure is read against the limit it hit. Absent in older runs.
   */
  limits: Schema.optional(Schema.Struct({ stallTimeoutSeconds: Schema.Number, timeoutSeconds: Schema.Number })),
  serverCore: Schema.optional(CoreLoad),
  clientCore: Schema.optional(CoreLoad),
  /** The client's core was busier than the server's and above 90%: the client, not the server, set the pace. */
  clientBound: Schema.Boolean,
  /** System-wide context switches per second during the sample. */
  contextSwitchesPerSecond: Schema.optional(Schema.Number),
  client: Schema.optional(ClientUsage),
  memory: Schema.optional(MemoryReading),
  /**
   * Busier core's share over 200 ms just before the flood, with our servers
   * idle: the machine's other load (bench:core waits for it to fall below 15%).
   */
  idleBusyBefore: Schema.optional(Schema.Number)
})
export type Sample = typeof Sample.Type

export const CellStatus = Schema.Literal("ok", "failed", "skipped", "pending")
export type CellStatus = typeof CellStatus.Type

/**
 * A figure that may not have been measured: NaN in memory, null in the file
 * (JSON has no NaN).
 */
export const Measured = Schema.transform(Schema.NullOr(Schema.Number), Schema.Number, {
  strict: true,
  decode: (n) => n ?? Number.NaN,
  encode: (n) => (Number.isFinite(n) ? n : null)
})

/** See `summarizeCell` (CellSummary.ts) for which repetition each figure comes from. */
export const CellSummary = Schema.Struct({
  minSeconds: Schema.Number,
  medianSeconds: Schema.Number,
  maxSeconds: Schema.Number,
  /** (max - min) / min over the measured repetitions. */
  spread: Schema.Number,
  /** MB/s of the fastest repetition. */
  mbPerSecond: Schema.Number,
  clientBound: Schema.Boolean,
  serverCpuSeconds: Measured,
  serverContextSwitches: Measured,
  serverPeakRssBytes: Measured,
  serverCoreBusy: Measured,
  clientCoreBusy: Measured
})
export type CellSummary = typeof CellSummary.Type

/** A child process (server or client) that died while a cell needed it. */
export const Crash = Schema.Struct({
  /** Which process, e.g. "node-raw server". */
  process: Schema.String,
  pid: Schema.Number,
  exitCode: Schema.optional(Schema.Number),
  /** Signal name when a signal ended it, e.g. "SIGKILL". */
  signal: Schema.optional(Schema.String),
  /** ISO time of the exit. */
  at: Schema.String,
  /** Seconds from the start of the run (this invocation) to the exit. */
  secondsIntoRun: Schema.Number,
  /** The repetition being measured (0: warm-up). */
  repetition: Schema.Number,
  /** Last lines of its stdout and stderr. */
  output: Schema.String
})
export type Crash = typeof Crash.Type

export const Cell = Schema.Struct({
  target: Schema.String,
  connections: Schema.Number,
  bytesPerConnection: Schema.Number,
  status: CellStatus,
  /** Why a cell was skipped or failed, in words a reader can act on. */
  reason: Schema.optional(Schema.String),
  samples: Schema.Array(Sample),
  summary: Schema.optional(CellSummary),
  /** The crash that failed this cell, if one did. */
  crash: Schema.optional(Crash),
  /**
   * The client that flooded this cell, when it is not the run's own
   * (`options.client`): bench:core floods c-epoll with every client.
   */
  client: Schema.optional(Schema.String),
  /**
   * Which question of bench:core the cell answers: a (Effect core vs raw),
   * b (TS client vs native), c (servers vs c-epoll), d (memory).
   */
  part: Schema.optional(Schema.Literal("a", "b", "c", "d")),
  /** RSS of the server right after it started, before any connection: memory per connection is measured from it. */
  serverIdleRssBytes: Schema.optional(Schema.Number),
  /** Busy share of the server's and the client's core just before the cell: above 10%, something else was running. */
  coresBusyBefore: Schema.optional(Schema.Struct({ server: Schema.Number, client: Schema.Number }))
})
export type Cell = typeof Cell.Type

export const TargetInfo = Schema.Struct({
  name: Schema.String,
  displayName: Schema.String,
  kind: Schema.String,
  language: Schema.String,
  framework: Schema.String,
  version: Schema.String,
  available: Schema.Boolean,
  reason: Schema.optional(Schema.String),
  noDelay: Schema.Boolean,
  notes: Schema.Array(Schema.String)
})
export type TargetInfo = typeof TargetInfo.Type

/** A server host reached over SSH, as `compare --server-ssh` found it. */
export const ServerHost = Schema.Struct({
  /** `user@host` as given to ssh. */
  destination: Schema.String,
  /** `--ssh-option`s, as ssh's `-o` takes them. */
  sshOptions: Schema.Array(Schema.String),
  /** The checkout of echoflood there, at the run's commit. */
  directory: Schema.String,
  /** The address the servers listened on there and the client dialled. */
  address: Schema.String,
  /** That host's machine, read from its /proc and /sys. */
  hostName: Schema.String,
  kernel: Schema.String,
  cpuModel: Schema.String,
  cpus: Schema.Number,
  memoryBytes: Schema.Number
})
export type ServerHost = typeof ServerHost.Type

export const RunOptions = Schema.Struct({
  targets: Schema.Array(Schema.String),
  client: Schema.String,
  connections: Schema.Array(Schema.Number),
  bytes: Schema.Array(Schema.Number),
  repetitions: Schema.Number,
  warmup: Schema.Boolean,
  chunk: Schema.Number,
  window: Schema.Number,
  serverCpus: Schema.String,
  clientCpus: Schema.String,
  /** CPUs in both lists: server and client competed for them, and each side's core load holds the other's work. */
  sharedCpus: Schema.optional(Schema.String),
  pauseSeconds: Schema.Number,
  timeoutSeconds: Schema.Number,
  quick: Schema.Boolean,
  /** The preset the run replays ("seed": the original experiment). */
  preset: Schema.optional(Schema.String),
  /** --server-processes: K server processes for every cell (else the least each cell's connections need). */
  serverProcesses: Schema.optional(Schema.Number),
  /** Kernel settings the run applied (the seed preset as root) and put back after: none when absent or empty. */
  sysctlsApplied: Schema.optional(
    Schema.Array(Schema.Struct({ name: Schema.String, before: Schema.String, value: Schema.String }))
  ),
  saturate: Schema.Boolean,
  /** `--network`: the link between the client and every server; loopback when absent. */
  network: Schema.optional(NetworkDescription),
  /** `--server-ssh`: every server ran on this host, reached over SSH; the client ran here. */
  serverHost: Schema.optional(ServerHost),
  /** bench:core: the parts asked for (e.g. "abcd") and its warm-up rounds. */
  parts: Schema.optional(Schema.String),
  warmupRounds: Schema.optional(Schema.Number)
})
export type RunOptions = typeof RunOptions.Type

export const RunFile = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  /** The plan that made the run: `compare` (the default) or `bench-core`. */
  plan: Schema.optional(Schema.Literal("compare", "bench-core")),
  id: Schema.String,
  startedAt: Schema.String,
  updatedAt: Schema.String,
  /** True once every cell has a final status. */
  complete: Schema.Boolean,
  /** Set when a run stopped early (Ctrl-C, crash); `compare --resume` continues it. */
  interruptedAt: Schema.optional(Schema.String),
  environment: Environment,
  options: RunOptions,
  targets: Schema.Array(TargetInfo),
  cells: Schema.Array(Cell),
  /** Saturation results, when the run had a saturation phase. */
  saturation: Schema.optional(Schema.Array(SaturationResult))
})
export type RunFile = typeof RunFile.Type
