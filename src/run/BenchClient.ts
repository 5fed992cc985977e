/**
 * The TS flood client as the core bench runs it, on any runtime:
 *
 *   <runtime> src/run/BenchClient.ts --options '<FloodOptions as JSON>'
 *
 * It runs the same `runFlood` as `flood --json`, and brackets exactly the
 * flood (not the runtime's start-up) with readings of its own CPU time and
 * memory and of every core's time split, so the bench can say how busy the
 * client and both cores were while the bytes flowed. Prints one JSON object:
 * `{ report, client, cores }` (see `ClientRun`).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { loadCurrentAdapter } from "../../adapters/current.ts"
import { runFlood } from "../engine/FloodEngine.ts"
import { type FloodOptions, validateFloodOptions } from "../engine/FloodOptions.ts"
import type { FloodReport } from "../engine/FloodResult.ts"
import type { CoreLoad } from "../system/CoreLoad.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"
import { CLOCK_TICKS, coreLoads, readProcessSnapshot, systemSnapshot } from "../system/ProcStat.ts"

/** What one bench client run prints. */
export interface ClientRun {
  readonly report: FloodReport
  /** The client process over the flood alone. */
  readonly client: {
    readonly cpuUserSeconds: number
    readonly cpuSystemSeconds: number
    readonly rssBytes: number
    readonly peakRssBytes: number
  }
  /** Every core's time split over the flood alone. */
  readonly cores: ReadonlyArray<CoreLoad | null>
}

const adapter = await loadCurrentAdapter()

const program = Effect.gen(function* () {
  const at = adapter.argv.indexOf("--options")
  const text = at >= 0 ? adapter.argv[at + 1] : undefined
  if (text === undefined) return yield* Effect.dieMessage("usage: BenchClient.ts --options '<FloodOptions JSON>'")
  const options = yield* validateFloodOptions(JSON.parse(text) as FloodOptions)
  const coresBefore = yield* systemSnapshot
  const before = yield* readProcessSnapshot("self")
  const report = yield* runFlood(options)
  const after = yield* readProcessSnapshot("self")
  const coresAfter = yield* systemSnapshot
  const run: ClientRun = {
    report,
    client: {
      cpuUserSeconds: (after.userTicks - before.userTicks) / CLOCK_TICKS,
      cpuSystemSeconds: (after.systemTicks - before.systemTicks) / CLOCK_TICKS,
      rssBytes: after.rssBytes,
      peakRssBytes: after.peakRssBytes
    },
    cores: coreLoads(coresBefore, coresAfter).map((load) => load ?? null)
  }
  yield* Console.log(JSON.stringify(run))
})

adapter.runMain(
  program.pipe(
    Effect.tapError((error) => Console.error(`bench client: ${error.message}`)),
    Effect.provide(LinuxSystem.layer),
    Effect.provide(Layer.merge(adapter.transport, adapter.platform))
  ),
  { disableErrorReporting: true }
)
