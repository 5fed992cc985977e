/**
 * The result of one flood, as printed by `flood --json` and by the native
 * client (adapters/external/c-epoll/flood.c). Times are seconds unless the
 * field name says otherwise; latency is milliseconds.
 */
import * as Schema from "effect/Schema"
import { ErrorCounts, ErrorDetail } from "./ErrorKinds.ts"

export const LatencySummary = Schema.Struct({
  /** Chunk round trips recorded (send of a chunk → its last byte echoed). */
  count: Schema.Number,
  p50: Schema.Number,
  p90: Schema.Number,
  p99: Schema.Number,
  p999: Schema.Number,
  max: Schema.Number
})
export type LatencySummary = typeof LatencySummary.Type

/** Where the bytes went: loopback, or a veth link to a test host (shaped or not). */
export const NetworkDescription = Schema.Struct({
  kind: Schema.Literal("loopback", "veth"),
  rateBitsPerSecond: Schema.optional(Schema.Number),
  delayMs: Schema.optional(Schema.Number)
})
export type NetworkDescription = typeof NetworkDescription.Type

/** The totals of one flood: a whole report, and each client process's share of a merged one. */
export const FloodTotals = Schema.Struct({
  connections: Schema.Number,
  connectionsCompleted: Schema.Number,
  bytesVerified: Schema.Number,
  /** Wall time from the first connect to the last verified byte. */
  seconds: Schema.Number,
  /** First connect started → last connect done. */
  connectSeconds: Schema.Number,
  /** Verified echoed payload per second of wall time, in 10^6 bytes. */
  mbPerSecond: Schema.Number,
  /** Failed connections by kind. */
  errors: ErrorCounts
})

/** One client process's own figures, kept on a result merged from several processes. */
export const ClientProcessFigures = Schema.Struct({
  /** 0-based index of the process among the client processes. */
  index: Schema.Number,
  /** The source address its connections were bound to, when one was set. */
  sourceAddress: Schema.optional(Schema.String),
  /** Its first connect, seconds after the first connect of all processes. */
  startOffsetSeconds: Schema.Number,
  ...FloodTotals.fields
})
export type ClientProcessFigures = typeof ClientProcessFigures.Type

/** A latency histogram as [microseconds, count] pairs (each bucket's highest value), mergeable across processes. */
export const LatencyBuckets = Schema.Array(Schema.Tuple(Schema.Number, Schema.Number))
export type LatencyBuckets = typeof LatencyBuckets.Type

export const FloodReport = Schema.Struct({
  ok: Schema.Boolean,
  /** The client that flooded: node, deno, bun or native. */
  runtime: Schema.String,
  runtimeVersion: Schema.String,
  /** How the client's sockets read and write (e.g. Deno's core ops or its public wrappers). */
  readPath: Schema.optional(Schema.String),
  /** How the client's sockets write (Node: the TCP handle or node:net). */
  writePath: Schema.optional(Schema.String),
  host: Schema.String,
  port: Schema.Number,
  bytesPerConnection: Schema.Number,
  chunk: Schema.Number,
  window: Schema.Number,
  ...FloodTotals.fields,
  /** First byte sent → last byte verified. */
  bulkSeconds: Schema.Number,
  /**
   * Last byte verified → the last server EOF: the client half-closes each
   * connection once all its bytes are verified and waits for the server's EOF,
   * failing it as `excess` if anything else arrives first. Not in `seconds`.
   * Absent in reports from before the check existed.
   */
  closeSeconds: Schema.optional(Schema.Number),
  /** Seconds from start until each connection finished: min, median, max. */
  completion: Schema.Struct({ min: Schema.Number, p50: Schema.Number, max: Schema.Number }),
  latency: LatencySummary,
  /** The first few failures in full. */
  errorDetails: Schema.Array(ErrorDetail),
  /** Absent: loopback. */
  network: Schema.optional(NetworkDescription),
  /** With a common start time: when it was, and when this client had every connection open (ms since the epoch). */
  startAt: Schema.optional(Schema.Struct({ atMs: Schema.Number, connectedAtMs: Schema.Number })),
  /** A flood worker's share: this is worker `index` of `of`. */
  worker: Schema.optional(Schema.Struct({ index: Schema.Number, of: Schema.Number })),
  /** Wall-clock time of the first connect (epoch milliseconds): puts the floods of several processes on one clock. */
  startedAtMs: Schema.optional(Schema.Number),
  /** The chunk round trips behind `latency`, so the histograms of several processes can be merged. */
  latencyBuckets: Schema.optional(LatencyBuckets),
  /** On a result merged from several client processes: each process's own figures. */
  processes: Schema.optional(Schema.Array(ClientProcessFigures)),
  /**
   * Handshakes the kernel dropped on a full accept queue during the flood (TcpExt ListenOverflows in the
   * server's network namespace), where the server was ours to read; absent otherwise.
   */
  listenOverflows: Schema.optional(Schema.Number)
})
export type FloodReport = typeof FloodReport.Type
