/** Which flood client `compare` and `saturate` run, checked before any server starts. */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import type { ClientKind } from "../run/ClientProcesses.ts"
import { nativeClientPath } from "../run/NativeClient.ts"
import { runtimeBinary } from "../targets/Runtimes.ts"
import { Transport } from "../transport/Transport.ts"

/**
 * `--client` as given, else the native client when it is built, else our TS
 * client on this runtime; a native client that is not built, or a runtime
 * version that is not installed, fails naming the fix.
 */
export const chooseClient = (given: Option.Option<ClientKind>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const nativeBuilt = yield* fs.exists(nativeClientPath).pipe(Effect.orElseSucceed(() => false))
    const transport = yield* Transport
    const client: ClientKind = Option.getOrElse(given, () => (nativeBuilt ? "native" : transport.runtime.name))
    if (client === "native" && !nativeBuilt) {
      return yield* new InvalidOption({
        option: "client",
        value: client,
        problem: `${nativeClientPath} is not built`,
        fix: "Run `npm run build:native`, or pick --client node|deno|bun."
      })
    }
    if (client !== "native") yield* runtimeBinary(client)
    return client
  })
