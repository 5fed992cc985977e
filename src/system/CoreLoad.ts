/** One core's load over a sample; shared by run.json cells and saturation results. */
import * as Schema from "effect/Schema"

/** Time split of one CPU core over a sample, from per-core /proc/stat (includes softirq). */
export const CoreLoad = Schema.Struct({
  core: Schema.Number,
  /** 1 - idle share: what the core spent on anything. */
  busy: Schema.Number,
  user: Schema.Number,
  system: Schema.Number,
  softirq: Schema.Number,
  idle: Schema.Number
})
export type CoreLoad = typeof CoreLoad.Type
