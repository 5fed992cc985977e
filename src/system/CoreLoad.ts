/** One core's load and one process's usage over a sample; shared by run.json cells and saturation results. */
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

/** The server process over one sample, from /proc/<pid>/stat and status. */
export const ServerUsage = Schema.Struct({
  pid: Schema.Number,
  cpuUserSeconds: Schema.Number,
  cpuSystemSeconds: Schema.Number,
  voluntaryContextSwitches: Schema.Number,
  involuntaryContextSwitches: Schema.Number,
  /** VmHWM: peak resident set since the server started. */
  peakRssBytes: Schema.Number,
  rssBytes: Schema.Number
})
export type ServerUsage = typeof ServerUsage.Type
