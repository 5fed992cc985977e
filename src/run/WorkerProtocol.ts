/**
 * How the parent of a saturation run talks to its two worker processes (the
 * saturating client and the probe). Each worker prints one JSON event per
 * line on stdout and reads one command per line on stdin:
 *
 *   client → ramped (all connects settled or the ramp timed out), tick (every
 *            250 ms: cumulative verified bytes, open connections), steady,
 *            result, failed
 *   probe  → ready, steady, result, failed
 *   parent → "start" (steady state begins), "stop" (report and exit)
 *
 * A worker also stops by itself at its deadline, so a lost parent cannot
 * leave it running.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ProbeReport, RampSummary, SaturationClientReport } from "../engine/SaturationReports.ts"

export const RampedEvent = Schema.TaggedStruct("ramped", RampSummary.fields)

export const TickEvent = Schema.TaggedStruct("tick", {
  /** Wall-clock time (Date.now), milliseconds, comparable with the parent's samples. */
  at: Schema.Number,
  bytesVerified: Schema.Number,
  open: Schema.Number,
  failed: Schema.Number
})

export const ReadyEvent = Schema.TaggedStruct("ready", {})
export const SteadyEvent = Schema.TaggedStruct("steady", {})
export const ClientResultEvent = Schema.TaggedStruct("client-result", { report: SaturationClientReport })
export const ProbeResultEvent = Schema.TaggedStruct("probe-result", { report: ProbeReport })
export const FailedEvent = Schema.TaggedStruct("failed", { message: Schema.String })

export const WorkerEvent = Schema.Union(
  RampedEvent,
  TickEvent,
  ReadyEvent,
  SteadyEvent,
  ClientResultEvent,
  ProbeResultEvent,
  FailedEvent
)
export type WorkerEvent = typeof WorkerEvent.Type

export const encodeEvent = (event: WorkerEvent): string => JSON.stringify(Schema.encodeSync(WorkerEvent)(event))

export const decodeEvent = Schema.decodeUnknownOption(Schema.parseJson(WorkerEvent))

export type WorkerCommand = "start" | "stop"

/** A worker's options as the parent passes them: one JSON argument. */
export const encodeOptions =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (options: A): string =>
    JSON.stringify(Schema.encodeSync(schema)(options))

/** The worker's side: its options checked against their schema; a mismatch names the problem. */
export const decodeOptions = <A, I>(schema: Schema.Schema<A, I>, json: string) =>
  Schema.decodeUnknown(Schema.parseJson(schema))(json).pipe(
    Effect.mapError(
      (error) =>
        new Error(
          `usage: SaturateWorker.ts client|probe '<options JSON>': ${ParseResult.TreeFormatter.formatErrorSync(error)}`
        )
    )
  )
