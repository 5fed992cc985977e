/**
 * Our TS flood client on another runtime or runtime version
 * (`flood --client node@24`): the same `flood --json` run as a child process
 * on that binary, its report read back. The report's runtime and
 * runtimeVersion are then the child's own.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { FloodOptions } from "../engine/FloodOptions.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { captureFloodReport, nativeFloodArgs } from "./NativeClient.ts"

/** @category errors */
export class RuntimeClientFailed extends Data.TaggedError("RuntimeClientFailed")<{
  readonly client: string
  readonly reason: string
}> {
  override get message() {
    return `flood client on ${this.client}: ${this.reason}`
  }
}

export const runRuntimeClient = (client: RuntimeSpec, options: FloodOptions) =>
  Effect.gen(function* () {
    const argv = yield* entryArgv(client, ["flood", ...nativeFloodArgs(options)])
    return yield* captureFloodReport(
      `flood client on ${client}`,
      argv,
      options,
      (reason) => new RuntimeClientFailed({ client, reason })
    )
  })
