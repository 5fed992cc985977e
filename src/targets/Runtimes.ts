/**
 * Where each JS runtime's binary is and how to run our entry point on it.
 * Bun and Deno come from npm packages; they are called directly, never
 * through `npx` (and Deno through its platform package, whose binary does
 * not shadow `deno` inside `deno task`: see DESIGN.md).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import type { RuntimeName } from "../transport/Transport.ts"
import { denoPlatforms, findInstalled, type RuntimeSpec, runtimeOf, versionFromOutput } from "./RuntimeVersions.ts"

/** The repository root, from this module's own location. */
export const repoRoot: string = decodeURIComponent(new URL("../..", import.meta.url).pathname).replace(/\/$/, "")

export const entryPoint = `${repoRoot}/src/main.ts`

/**
 * tsx's loader by absolute path: `--import tsx` resolves from the current
 * folder, so a child started from another folder (the `echoflood` bin) would not find it.
 */
export const tsxLoader = `${repoRoot}/node_modules/tsx/dist/loader.mjs`

/** @category errors */
export class RuntimeNotFound extends Data.TaggedError("RuntimeNotFound")<{
  readonly runtime: RuntimeName
  readonly looked: ReadonlyArray<string>
}> {
  override get message() {
    return `${this.runtime} was not found (looked in ${this.looked.join(", ")}): run \`npm ci\` in ${repoRoot} to install it`
  }
}

/**
 * Absolute path (or PATH name, for node) of a runtime's binary; a versioned
 * spec ("node@24") is the one `setup --runtimes` installed under build/runtimes.
 */
export const runtimeBinary = (spec: RuntimeSpec) =>
  Effect.gen(function* () {
    if (spec.includes("@")) return (yield* findInstalled(repoRoot, spec)).binary
    const runtime = runtimeOf(spec)
    const fs = yield* FileSystem.FileSystem
    const candidates =
      runtime === "node"
        ? []
        : runtime === "bun"
          ? [`${repoRoot}/node_modules/bun/bin/bun.exe`]
          : denoPlatforms.map((platform) => `${repoRoot}/node_modules/@deno/${platform}/deno`)
    if (runtime === "node") return "node"
    for (const candidate of candidates) {
      if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) return candidate
    }
    return yield* new RuntimeNotFound({ runtime, looked: candidates })
  })

/** The exact version a runtime's binary reports ("24.21.0"), or "unknown". */
export const runtimeVersion = (spec: RuntimeSpec) =>
  Effect.gen(function* () {
    const binary = yield* runtimeBinary(spec)
    const result = yield* capture([binary, "--version"], { DENO_NO_UPDATE_CHECK: "1" })
    return (result.exitCode === 0 ? versionFromOutput(result.stdout) : undefined) ?? "unknown"
  })

/** argv that runs `src/main.ts` with `args` on a runtime, at a version when the spec names one. */
export const entryArgv = (spec: RuntimeSpec, args: ReadonlyArray<string>) =>
  Effect.map(runtimeBinary(spec), (binary): Array<string> => {
    switch (runtimeOf(spec)) {
      case "node":
        return [binary, "--import", tsxLoader, entryPoint, ...args]
      case "bun":
        return [binary, entryPoint, ...args]
      case "deno":
        // `env` keeps Deno's update check (an HTTPS request) out of benchmark runs; --unstable-net lets
        // our server open several accept queues on one port (SO_REUSEPORT).
        return [
          "env",
          "DENO_NO_UPDATE_CHECK=1",
          binary,
          "run",
          "-A",
          "--unstable-net",
          `--config=${repoRoot}/deno.json`,
          entryPoint,
          ...args
        ]
    }
  })
