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

/** `--flag value` words, each value the option of that key. */
const flagArgs = <O>(options: O, flags: ReadonlyArray<readonly [string, keyof O]>): Array<string> =>
  flags.flatMap(([flag, key]) => [`--${flag}`, String(options[key])])

/** The flags a flood and a saturating client both take, by the option key both use. */
const CONNECTION_FLAGS = [
  ["host", "host"],
  ["port", "port"],
  ["connections", "connections"],
  ["chunk", "chunk"],
  ["window", "window"],
  ["connect-concurrency", "connectConcurrency"]
] as const

export const nativeFloodArgs = (options: FloodOptions): Array<string> => [
  ...flagArgs(options, [
    ...CONNECTION_FLAGS,
    ["bytes", "bytesPerConnection"],
    ["timeout", "timeoutSeconds"],
    ["stall-timeout", "stallTimeoutSeconds"]
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
  ...flagArgs(options, [
    ...CONNECTION_FLAGS,
    ["connect-timeout", "connectTimeoutSeconds"],
    ["ramp-timeout", "rampTimeoutSeconds"],
    ["starved-after", "starvedAfterSeconds"],
    ["duration", "deadlineSeconds"]
  ]),
  options.noDelay ? "--nodelay" : "--no-nodelay",
  ...(options.sendDuringRamp ? ["--send-during-ramp"] : []),
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
