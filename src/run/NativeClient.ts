/**
 * Runs the native C flood client (adapters/external/c-epoll/flood.c) with the
 * same options and reads its JSON report, so `flood --client native` and the
 * suite can calibrate the TS client against it.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { FloodOptions } from "../engine/FloodOptions.ts"
import { FloodReport } from "../engine/FloodResult.ts"
import type { SaturationClientOptions } from "../engine/SaturationReports.ts"
import { describeExit, runToCompletion } from "../system/ChildProcess.ts"
import { repoRoot } from "../targets/Runtimes.ts"

export const nativeClientPath = `${repoRoot}/build/c-epoll/flood`

/** @category errors */
export class NativeClientFailed extends Data.TaggedError("NativeClientFailed")<{ readonly reason: string }> {
  override get message() {
    return `native flood client: ${this.reason}`
  }
}

/** `--name value` pairs as argv words. */
const flagArgs = (flags: ReadonlyArray<readonly [string, string | number]>): Array<string> =>
  flags.flatMap(([name, value]) => [`--${name}`, String(value)])

export const nativeFloodArgs = (options: FloodOptions): Array<string> => [
  ...flagArgs([
    ["host", options.host],
    ["port", options.port],
    ["connections", options.connections],
    ["bytes", options.bytesPerConnection],
    ["chunk", options.chunk],
    ["window", options.window],
    ["timeout", options.timeoutSeconds],
    ["stall-timeout", options.stallTimeoutSeconds],
    ["connect-concurrency", options.connectConcurrency]
  ]),
  ...(options.barrier ? ["--barrier"] : []),
  ...(options.sourceAddress === undefined ? [] : ["--source-address", options.sourceAddress]),
  "--json"
]

/**
 * The C client as a saturation worker (`--duration` with `--worker`): it
 * speaks WorkerProtocol.ts like SaturateWorker.ts does, and stops by itself
 * at the deadline.
 */
export const nativeSaturationArgv = (options: SaturationClientOptions): Array<string> => [
  nativeClientPath,
  ...flagArgs([
    ["host", options.host],
    ["port", options.port],
    ["connections", options.connections],
    ["chunk", options.chunk],
    ["window", options.window],
    ["connect-concurrency", options.connectConcurrency],
    ["connect-timeout", options.connectTimeoutSeconds],
    ["ramp-timeout", options.rampTimeoutSeconds],
    ["starved-after", options.starvedAfterSeconds]
  ]),
  options.noDelay ? "--nodelay" : "--no-nodelay",
  ...(options.sendDuringRamp ? ["--send-during-ramp"] : []),
  "--duration",
  String(options.deadlineSeconds),
  "--worker"
]

const decode = Schema.decodeUnknown(Schema.parseJson(FloodReport))

/**
 * Runs a flood client process (the C one, or ours on a runtime) that prints
 * one JSON FloodReport, and decodes it; `fail` words the failure.
 */
export const captureFloodReport = <E>(
  name: string,
  argv: ReadonlyArray<string>,
  options: FloodOptions,
  fail: (reason: string) => E
) =>
  Effect.gen(function* () {
    const result = yield* runToCompletion(
      { name, argv, env: { DENO_NO_UPDATE_CHECK: "1" } },
      options.timeoutSeconds + options.stallTimeoutSeconds + 10,
      `its --timeout ${options.timeoutSeconds} s + --stall-timeout ${options.stallTimeoutSeconds} s + 10 s`
    ).pipe(Effect.mapError((e) => fail(e.message)))
    // Exit 1 is a flood with failed connections, still with a report; any other failure printed none.
    if (result.exit.code !== 0 && result.exit.code !== 1) {
      return yield* Effect.fail(fail(result.output.trim() || `it ${describeExit(result.exit)}`))
    }
    return yield* decode(result.stdout.trim()).pipe(
      Effect.mapError((error) =>
        fail(`unreadable report (${error.message}): ${(result.stdout || result.output).slice(0, 500)}`)
      )
    )
  })

export const runNativeFlood = (options: FloodOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(nativeClientPath).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new NativeClientFailed({
        reason: `${nativeClientPath} is missing: build it with \`npm run build:native\``
      })
    }
    return yield* captureFloodReport(
      "native flood client",
      [nativeClientPath, ...nativeFloodArgs(options)],
      options,
      (reason) => new NativeClientFailed({ reason })
    )
  })
