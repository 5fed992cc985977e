/**
 * What the two saturation workers are asked to do (the saturating client and
 * the client-delay probe) and what each reports when it stops. Times are
 * seconds and sizes bytes unless a field name says otherwise (`Ms`:
 * milliseconds); shares are 0..1.
 */
import * as Schema from "effect/Schema"
import { ErrorCounts, ErrorDetail } from "./ErrorKinds.ts"
import { LatencySummary } from "./FloodResult.ts"
import { ProcessUsage } from "./ProcessUsage.ts"

/**
 * How the client-delay probe probes: asked for in its options, echoed in its report.
 *
 * @category models
 */
export const ProbeSettings = Schema.Struct({
  intervalMs: Schema.Number,
  timeoutMs: Schema.Number,
  maxOutstanding: Schema.Number,
  /** Payload of one probe (32 KiB in the original). */
  bytes: Schema.Number
})
export type ProbeSettings = typeof ProbeSettings.Type

/**
 * The client-delay probe: fresh connections on an open-loop schedule. A
 * Schema, because the parent hands it to the worker process as JSON.
 *
 * @category models
 */
export const ProbeOptions = Schema.Struct({
  host: Schema.String,
  port: Schema.Number,
  ...ProbeSettings.fields,
  deadlineSeconds: Schema.Number
})
export type ProbeOptions = typeof ProbeOptions.Type

/**
 * The saturating client: N connections sending and verifying without end.
 * A Schema, because the parent hands it to the worker process as JSON.
 *
 * @category models
 */
export const SaturationClientOptions = Schema.Struct({
  host: Schema.String,
  port: Schema.Number,
  connections: Schema.Number,
  /** Largest write, bytes. */
  chunk: Schema.Number,
  /** Most unechoed bytes per connection (default one chunk). */
  window: Schema.Number,
  connectConcurrency: Schema.Number,
  connectTimeoutSeconds: Schema.Number,
  /** The ramp (opening every connection) is declared over after this, complete or not. */
  rampTimeoutSeconds: Schema.Number,
  /** A connection with no verified byte for longer than this counts as starved. */
  starvedAfterSeconds: Schema.Number,
  /** The process stops by itself after this, whatever it was told (a lost parent cannot leave it running). */
  deadlineSeconds: Schema.Number,
  noDelay: Schema.Boolean,
  /**
   * Send as soon as each connection opens. Off by default: connections open
   * idle and all start sending when the ramp ends, so a server busy echoing
   * the first thousands does not starve the accept of the rest (the ramp then
   * measures opening connections, and the steady state has all of them).
   */
  sendDuringRamp: Schema.Boolean
})
export type SaturationClientOptions = typeof SaturationClientOptions.Type

/**
 * Percentiles of a latency histogram, in milliseconds (the flood's latency summary).
 *
 * @category models
 */
export const Percentiles = LatencySummary
export type Percentiles = typeof Percentiles.Type

/**
 * Spread of throughput over connections, and starvation.
 *
 * @category models
 */
export const Fairness = Schema.Struct({
  /** Connections counted: those open when the steady state began (or opened during it). */
  connections: Schema.Number,
  /** Verified echo per connection over the steady state, bytes/s. */
  minBytesPerSecond: Schema.Number,
  p10BytesPerSecond: Schema.Number,
  medianBytesPerSecond: Schema.Number,
  maxBytesPerSecond: Schema.Number,
  /** Connections that went longer than `starvedAfterSeconds` without a verified byte. */
  starved: Schema.Number,
  starvedShare: Schema.Number,
  starvedAfterSeconds: Schema.Number,
  /** Connections with no verified byte in the whole steady state. */
  neverProgressed: Schema.Number,
  /**
   * How often a perfectly fair server could serve each connection at the
   * measured throughput: connections × window / (bytes/s). When it exceeds
   * `starvedAfterSeconds`, every connection counts as starved however fair
   * the server is; compare the gaps with this instead.
   */
  fairCycleSeconds: Schema.Number,
  /** Longest gap without progress: median over connections, and the worst one. */
  medianLongestGapSeconds: Schema.Number,
  maxLongestGapSeconds: Schema.Number
})
export type Fairness = typeof Fairness.Type

/**
 * The ramp (opening every connection), as the saturating client announces its
 * end and as its report keeps it.
 *
 * @category models
 */
export const RampSummary = Schema.Struct({
  /** First connect → every connect settled and the server echoing on each (or the ramp timeout). */
  seconds: Schema.Number,
  connected: Schema.Number,
  failed: Schema.Number,
  /** Connects still in flight when the ramp timed out. */
  pending: Schema.Number,
  /**
   * False when the ramp timeout ended it before every connect settled (`pending` > 0), or when the timeout or
   * 5 s without a connection's first echo ended it before the server had echoed on every connection.
   */
  complete: Schema.Boolean,
  /** Echo verified while connections were still opening (only with sending during the ramp). */
  bytesVerified: Schema.Number
})
export type RampSummary = typeof RampSummary.Type

/** What an incomplete ramp still lacked when its timeout ended it. */
export const rampShortfall = (ramp: { readonly pending: number }): string =>
  ramp.pending > 0
    ? `${ramp.pending} connections not open yet`
    : "the server not yet echoing on every connection (some still in its accept queue)"

/**
 * What the saturating client process reports when it is stopped.
 *
 * @category models
 */
export const SaturationClientReport = Schema.Struct({
  runtime: Schema.String,
  runtimeVersion: Schema.String,
  connections: Schema.Number,
  chunk: Schema.Number,
  window: Schema.Number,
  ramp: RampSummary,
  /** From the end of the ramp (every connection sending) to the steady state; kept out of the steady figures. */
  warmup: Schema.Struct({ seconds: Schema.Number, bytesVerified: Schema.Number }),
  steady: Schema.Struct({
    seconds: Schema.Number,
    bytesVerified: Schema.Number,
    mbPerSecond: Schema.Number,
    /** Connections that failed during the steady state (reset, closed, verification). */
    connectionsFailed: Schema.Number,
    /** Open at the end. */
    connectionsOpen: Schema.Number
  }),
  fairness: Fairness,
  /** Failed connections by kind (ramp and steady state). */
  errors: ErrorCounts,
  errorDetails: Schema.Array(ErrorDetail),
  /** The client process over the steady state, from /proc/self. */
  ...ProcessUsage.fields
})
export type SaturationClientReport = typeof SaturationClientReport.Type

/**
 * What the client-delay probe process reports.
 *
 * @category models
 */
export const ProbeReport = Schema.Struct({
  runtime: Schema.String,
  runtimeVersion: Schema.String,
  ...ProbeSettings.fields,
  /** Scheduling window: first to last scheduled probe. */
  seconds: Schema.Number,
  scheduled: Schema.Number,
  /** Not started because `maxOutstanding` probes were still waiting. */
  skipped: Schema.Number,
  completed: Schema.Number,
  timedOut: Schema.Number,
  /** Refused, reset, closed early or echoed wrong bytes. */
  failed: Schema.Number,
  /** Start → connected. Probes that never connected count as the timeout. */
  connect: Percentiles,
  /**
   * Start → connected → 32 KiB sent → every byte echoed and verified. A probe
   * that timed out counts as the timeout (a lower bound of its real delay), so
   * a stalled server cannot look better than it was.
   */
  roundTrip: Percentiles,
  /** How late the probe process started probes against its own schedule (its core is shared). */
  scheduleLagMaxMs: Schema.Number,
  errors: ErrorCounts,
  errorDetails: Schema.Array(Schema.String)
})
export type ProbeReport = typeof ProbeReport.Type
