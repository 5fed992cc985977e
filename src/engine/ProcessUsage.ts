/** A process's CPU time and peak memory, as a client reports its own and as run.json keeps a server's. */
import * as Schema from "effect/Schema"

export const ProcessUsage = Schema.Struct({
  cpuUserSeconds: Schema.Number,
  cpuSystemSeconds: Schema.Number,
  /** VmHWM: peak resident set since the process started. */
  peakRssBytes: Schema.Number
})
export type ProcessUsage = typeof ProcessUsage.Type
