/**
 * The result of one flood, as printed by `flood --json` and by the native
 * client (adapters/external/c-epoll/flood.c). Times are seconds unless the
 * field name says otherwise; latency is milliseconds.
 */
import * as Schema from "effect/Schema"
import { ErrorDetail } from "./ErrorKinds.ts"

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

export const FloodReport = Schema.Struct({
  ok: Schema.Boolean,
  /** The client that flooded: node, deno, bun or native. */
  runtime: Schema.String,
  runtimeVersion: Schema.String,
  /** How the client's sockets read and write (e.g. Deno's core ops or its public wrappers). */
  readPath: Schema.optional(Schema.String),
  host: Schema.String,
  port: Schema.Number,
  connections: Schema.Number,
  bytesPerConnection: Schema.Number,
  chunk: Schema.Number,
  window: Schema.Number,
  /** Wall time from the first connect to the last verified byte. */
  seconds: Schema.Number,
  /** First connect started → last connect done. */
  connectSeconds: Schema.Number,
  /** First byte sent → last byte verified. */
  bulkSeconds: Schema.Number,
  /**
   * Last byte verified → the last server EOF: the client half-closes each
   * connection once all its bytes are verified and waits for the server's EOF,
   * failing it as `excess` if anything else arrives first. Not in `seconds`.
   * Absent in reports from before the check existed.
   */
  closeSeconds: Schema.optional(Schema.Number),
  bytesVerified: Schema.Number,
  /** Verified echoed payload per second of wall time, in 10^6 bytes. */
  mbPerSecond: Schema.Number,
  connectionsCompleted: Schema.Number,
  /** Seconds from start until each connection finished: min, median, max. */
  completion: Schema.Struct({ min: Schema.Number, p50: Schema.Number, max: Schema.Number }),
  latency: LatencySummary,
  /** Failed connections by kind. */
  errors: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** The first few failures in full. */
  errorDetails: Schema.Array(ErrorDetail),
  /** Absent: loopback. */
  network: Schema.optional(NetworkDescription),
  /** With a common start time: when it was, and when this client had every connection open (ms since the epoch). */
  startAt: Schema.optional(Schema.Struct({ atMs: Schema.Number, connectedAtMs: Schema.Number })),
  /** A flood worker's share: this is worker `index` of `of`. */
  worker: Schema.optional(Schema.Struct({ index: Schema.Number, of: Schema.Number }))
})
export type FloodReport = typeof FloodReport.Type
