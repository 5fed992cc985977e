/**
 * `setup --runtimes node@24,bun@1.4.4,deno@2.9.5`: installs each runtime
 * version from npm into its own prefix under build/runtimes, with npm's own
 * integrity checks and cache. Nothing is installed globally and nothing is
 * fetched from anywhere but the npm registry: the `node` package's install
 * script fetches the official binary as the npm package `node-<os>-<arch>`,
 * `bun`'s picks its `@oven/bun-<platform>` optional dependency, and Deno
 * ships per platform as `@deno/<platform>`.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { capture } from "../system/CapturedCommand.ts"
import type { RuntimeName } from "../transport/Transport.ts"
import {
  compareVersions,
  type InstalledRuntime,
  npmPackage,
  type ParsedSpec,
  parseSpec,
  readInstall,
  runtimesDir,
  specText,
  versionMatches
} from "./RuntimeVersions.ts"

/** @category errors */
export class UnknownRuntimeVersion extends Data.TaggedError("UnknownRuntimeVersion")<{
  readonly spec: string
  readonly pkg: string
  readonly available: ReadonlyArray<string>
}> {
  override get message() {
    return `${this.spec}: npm has no such version of ${this.pkg}; versions that exist (newest of each line): ${this.available.join(", ")}`
  }
}

/** @category errors */
export class RuntimeInstallFailed extends Data.TaggedError("RuntimeInstallFailed")<{
  readonly spec: string
  readonly reason: string
}> {
  override get message() {
    return `${this.spec}: ${this.reason}`
  }
}

const isStable = (version: string) => /^\d+\.\d+\.\d+$/.test(version)

/**
 * The newest stable version matching what was asked (a prerelease only when
 * asked for exactly), or undefined.
 */
export const resolveVersion = (asked: string | undefined, versions: ReadonlyArray<string>) => {
  const matching = versions
    .filter((v) => (asked === undefined ? isStable(v) : v === asked || (isStable(v) && versionMatches(asked, v))))
    .sort(compareVersions)
  return matching[matching.length - 1]
}

/** One entry per release line, newest first: "26.1.0 (26.x)" for Node, "1.4.5 (1.4.x)" for Bun and Deno. */
export const summarizeVersions = (runtime: RuntimeName, versions: ReadonlyArray<string>) => {
  const lines = new Map<string, string>()
  const stable = versions.filter(isStable).sort(compareVersions)
  for (const v of stable) {
    const parts = v.split(".")
    lines.set(runtime === "node" ? parts[0]! : `${parts[0]}.${parts[1]}`, v)
  }
  return [...lines]
    .reverse()
    .map(([line, newest]) => `${newest} (${line}.x)`)
    .slice(0, runtime === "node" ? 30 : 12)
}

/** The platform package Deno needs here, from `uname`. */
const denoPlatform = Effect.map(capture(["uname", "-sm"]), (r) => {
  const [os, machine] = r.stdout.trim().toLowerCase().split(/\s+/)
  const arch = machine === "aarch64" || machine === "arm64" ? "arm64" : "x64"
  return os === "darwin" ? `darwin-${arch}` : `linux-${arch}-glibc`
})

/** `npm view … versions --json` prints a list, or a bare string when there is one version. */
const decodeVersions = Schema.decodeUnknown(Schema.parseJson(Schema.Union(Schema.Array(Schema.String), Schema.String)))

const npmVersions = (pkg: string, spec: string) =>
  Effect.gen(function* () {
    const result = yield* capture(["npm", "view", pkg, "versions", "--json"])
    if (result.exitCode !== 0) {
      return yield* new RuntimeInstallFailed({
        spec,
        reason: `\`npm view ${pkg} versions\` failed (is the npm registry reachable?): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`
      })
    }
    const parsed = yield* decodeVersions(result.stdout).pipe(
      Effect.mapError(
        () =>
          new RuntimeInstallFailed({
            spec,
            reason: `\`npm view ${pkg} versions --json\` printed no list of versions: ${result.stdout.trim().slice(0, 200)}`
          })
      )
    )
    return typeof parsed === "string" ? [parsed] : parsed
  })

export interface InstallOutcome {
  readonly install: InstalledRuntime
  readonly fresh: boolean
}

/** Installs one version (or finds it already there) and says where its binary is. */
export const installRuntime = (root: string, parsed: ParsedSpec) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const spec = specText(parsed)
    if (parsed.version === undefined) {
      return yield* new RuntimeInstallFailed({
        spec,
        reason: `name a version (e.g. ${parsed.runtime}@${parsed.runtime === "node" ? "24" : parsed.runtime === "bun" ? "1.4.4" : "2.9.5"}); the bare name is the running Node or the package.json ${parsed.runtime}`
      })
    }
    const cached = yield* readInstall(root, spec)
    if (cached !== undefined && versionMatches(parsed.version, cached.version)) {
      return { install: cached, fresh: false } satisfies InstallOutcome
    }
    const pkg = npmPackage(parsed.runtime, yield* denoPlatform)
    const versions = yield* npmVersions(pkg, spec)
    const exact = resolveVersion(parsed.version, versions)
    if (exact === undefined) {
      return yield* new UnknownRuntimeVersion({
        spec,
        pkg,
        available: summarizeVersions(parsed.runtime, versions)
      })
    }
    const folder = `${runtimesDir(root)}/${spec}`
    yield* fs.remove(folder, { recursive: true }).pipe(Effect.ignore)
    yield* fs.makeDirectory(folder, { recursive: true }).pipe(Effect.orDie)
    // The packages' install scripts (node, bun) link the platform binary; allowed here so npm 11 does not warn.
    yield* fs
      .writeFileString(
        `${folder}/package.json`,
        `${JSON.stringify({ private: true, description: `echoflood: ${spec}`, allowScripts: { node: true, bun: true } }, null, 2)}\n`
      )
      .pipe(Effect.orDie)
    const result = yield* capture([
      "npm",
      "install",
      "--prefix",
      folder,
      "--save-exact",
      "--no-audit",
      "--no-fund",
      `${pkg}@${exact}`
    ])
    const install = yield* readInstall(root, spec)
    if (result.exitCode !== 0 || install === undefined) {
      return yield* new RuntimeInstallFailed({
        spec,
        reason: `\`npm install ${pkg}@${exact}\` into ${folder} failed: ${(result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n")}`
      })
    }
    return { install, fresh: true } satisfies InstallOutcome
  })

/** Parses a comma-separated list, failing on the first entry that is not a runtime. */
export const parseSpecList = (text: string) =>
  Effect.forEach(
    text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    (s) => parseSpec(s)
  )
