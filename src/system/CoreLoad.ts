/** One core's load and one process's usage over a sample; shared by run.json cells and saturation results. */
import * as Schema from "effect/Schema"
import { ProcessUsage } from "../engine/ProcessUsage.ts"

/**
 * How one core's time splits in per-core /proc/stat (softirq included), each
 * share given as `share`: a number for one sample, a spread over many.
 */
export const coreSplit = <Share extends Schema.Schema.Any>(share: Share) =>
  Schema.Struct({
    core: Schema.Number,
    /** 1 - idle share: what the core spent on anything. */
    busy: share,
    user: share,
    system: share,
    softirq: share,
    idle: share
  })

/** Time split of one CPU core over a sample. */
export const CoreLoad = coreSplit(Schema.Number)
export type CoreLoad = typeof CoreLoad.Type

/** The server process over one sample, from /proc/<pid>/stat and status. */
export const ServerUsage = Schema.Struct({
  pid: Schema.Number,
  ...ProcessUsage.fields,
  voluntaryContextSwitches: Schema.Number,
  involuntaryContextSwitches: Schema.Number,
  rssBytes: Schema.Number
})
export type ServerUsage = typeof ServerUsage.Type
