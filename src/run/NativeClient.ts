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
import { describeExit, runToCompletion } from "../system/ChildProcess.ts"
import { repoRoot } from "../targets/Runtimes.ts"

export const nativeClientPath = `${repoRoot}/build/c-epoll/flood`

/** @category errors */
export class NativeClientFailed extends Data.TaggedError("NativeClientFailed")<{ readonly reason: string }> {
  override get message() {
    return `native flood client: ${this.reason}`
  }
}

export const nativeFloodArgs = (options: FloodOptions): Array<string> => [
  "--host",
  options.host,
  "--port",
  String(options.port),
  "--connections",
  String(options.connections),
  "--bytes",
  String(options.bytesPerConnection),
  "--chunk",
  String(options.chunk),
  "--window",
  String(options.window),
  "--timeout",
  String(options.timeoutSeconds),
  "--stall-timeout",
  String(options.stallTimeoutSeconds),
  "--connect-concurrency",
  String(options.connectConcurrency),
  ...(options.barrier ? ["--barrier"] : []),
  "--json"
]

const decode = Schema.decodeUnknown(Schema.parseJson(FloodReport))

export const runNativeFlood = (options: FloodOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(nativeClientPath).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new NativeClientFailed({
        reason: `${nativeClientPath} is missing: build it with \`npm run build:native\``
      })
    }
    const result = yield* runToCompletion(
      { name: "native flood client", argv: [nativeClientPath, ...nativeFloodArgs(options)] },
      options.timeoutSeconds + options.stallTimeoutSeconds + 10,
      `its --timeout ${options.timeoutSeconds} s + --stall-timeout ${options.stallTimeoutSeconds} s + 10 s`
    ).pipe(Effect.mapError((e) => new NativeClientFailed({ reason: e.message })))
    // Exit 2 is a usage or limit error with no report; its stderr says why.
    if (result.exit.code !== 0 && result.exit.code !== 1) {
      return yield* new NativeClientFailed({ reason: result.output.trim() || `it ${describeExit(result.exit)}` })
    }
    return yield* decode(result.stdout.trim()).pipe(
      Effect.mapError(
        (error) =>
          new NativeClientFailed({ reason: `unreadable report (${error.message}): ${result.stdout.slice(0, 500)}` })
      )
    )
  })
