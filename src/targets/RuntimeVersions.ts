/**
 * Runtime versions side by side: `node@24`, `bun@1.4.4`, `deno@2.9.5`. Each
 * version `setup --runtimes` installed lives in its own npm prefix,
 * `build/runtimes/<runtime>@<version as asked>/`, and is found here by the
 * folder name or by the exact version npm installed there. A bare `node`,
 * `bun` or `deno` is the running Node or the package.json Bun and Deno.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { type RuntimeName, runtimeNames } from "../transport/Transport.ts"

/** A runtime, optionally at a version: "node", "node@24", "deno@2.9.5". */
export type RuntimeSpec = RuntimeName | `${RuntimeName}@${string}`

export interface ParsedSpec {
  readonly runtime: RuntimeName
  /** As asked ("24", "24.11", "24.11.1"); undefined for the bare name. */
  readonly version: string | undefined
}

/** @category errors */
export class InvalidRuntimeSpec extends Data.TaggedError("InvalidRuntimeSpec")<{ readonly spec: string }> {
  override get message() {
    return `"${this.spec}" is not a runtime: write node, bun or deno, optionally with a version (node@24, bun@1.4.4, deno@2.9.5)`
  }
}

/** @category errors */
export class RuntimeVersionNotInstalled extends Data.TaggedError("RuntimeVersionNotInstalled")<{
  readonly spec: string
  readonly installed: ReadonlyArray<string>
}> {
  override get message() {
    const have = this.installed.length === 0 ? "none is installed" : `installed: ${this.installed.join(", ")}`
    return `${this.spec} is not installed (${have}): run \`npm run setup:runtimes -- ${this.spec}\``
  }
}

const SPEC = /^(node|bun|deno)(?:@(\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?))?$/

export const parseSpec = (spec: string): Effect.Effect<ParsedSpec, InvalidRuntimeSpec> => {
  const match = SPEC.exec(spec.trim())
  return match === null
    ? Effect.fail(new InvalidRuntimeSpec({ spec }))
    : Effect.succeed({ runtime: match[1] as RuntimeName, version: match[2] })
}

export const isRuntimeSpec = (text: string): text is RuntimeSpec => SPEC.test(text)

export const runtimeOf = (spec: RuntimeSpec): RuntimeName => spec.split("@")[0] as RuntimeName

export const specText = (parsed: ParsedSpec): RuntimeSpec =>
  parsed.version === undefined ? parsed.runtime : `${parsed.runtime}@${parsed.version}`

/** True when an exact version ("24.11.1") is the one asked for ("24", "24.11" or "24.11.1"). */
export const versionMatches = (asked: string, exact: string) => exact === asked || exact.startsWith(`${asked}.`)

/** The npm package holding a runtime's binary; Deno's is per platform. */
export const npmPackage = (runtime: RuntimeName, denoPlatform: string) =>
  runtime === "node" ? "node" : runtime === "bun" ? "bun" : `@deno/${denoPlatform}`

export const runtimesDir = (root: string) => `${root}/build/runtimes`

export const denoPlatforms = ["linux-x64-glibc", "linux-arm64-glibc", "darwin-x64", "darwin-arm64"] as const

/** The binary inside one install folder, by where each package puts it. */
const binaryCandidates = (runtime: RuntimeName, folder: string) =>
  runtime === "node"
    ? [`${folder}/node_modules/node/bin/node`]
    : runtime === "bun"
      ? [`${folder}/node_modules/bun/bin/bun.exe`]
      : denoPlatforms.map((platform) => `${folder}/node_modules/@deno/${platform}/deno`)

const packageFiles = (runtime: RuntimeName, folder: string) =>
  runtime === "deno"
    ? denoPlatforms.map((platform) => `${folder}/node_modules/@deno/${platform}/package.json`)
    : [`${folder}/node_modules/${runtime}/package.json`]

/** One version installed under build/runtimes. */
export interface InstalledRuntime {
  readonly runtime: RuntimeName
  /** The folder name: what was asked for ("node@24"). */
  readonly spec: RuntimeSpec
  /** The exact version npm installed ("24.21.0"). */
  readonly version: string
  readonly binary: string
  readonly folder: string
}

const exists = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path).pipe(Effect.orElseSucceed(() => false)))

/** The install in one folder, or undefined when it holds no binary (a failed or partial install). */
export const readInstall = (root: string, name: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!isRuntimeSpec(name) || !name.includes("@")) return undefined
    const runtime = runtimeOf(name)
    const folder = `${runtimesDir(root)}/${name}`
    let binary: string | undefined
    for (const candidate of binaryCandidates(runtime, folder)) {
      if (yield* exists(candidate)) {
        binary = candidate
        break
      }
    }
    if (binary === undefined) return undefined
    let version: string | undefined
    for (const file of packageFiles(runtime, folder)) {
      const text = yield* fs.readFileString(file).pipe(Effect.orElseSucceed(() => ""))
      const found = /"version"\s*:\s*"([^"]+)"/.exec(text)?.[1]
      if (found !== undefined) {
        version = found
        break
      }
    }
    return { runtime, spec: name, version: version ?? "unknown", binary, folder } satisfies InstalledRuntime
  })

/** Numeric order of dotted versions ("24.9.0" before "24.10.0"). */
export const compareVersions = (a: string, b: string) => {
  const pa = a.split(/[.-]/).map(Number)
  const pb = b.split(/[.-]/).map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0 && !Number.isNaN(d)) return d
  }
  return 0
}
/** Every version installed under build/runtimes, by runtime then version. */
export const listInstalled = (root: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(runtimesDir(root)).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    const installs: Array<InstalledRuntime> = []
    for (const name of names) {
      const install = yield* readInstall(root, name)
      if (install !== undefined) installs.push(install)
    }
    return installs.sort((a, b) =>
      a.runtime === b.runtime
        ? compareVersions(a.version, b.version)
        : runtimeNames.indexOf(a.runtime) - runtimeNames.indexOf(b.runtime)
    )
  })

/** The install a versioned spec names: its own folder, else any install of a matching exact version. */
export const findInstalled = (root: string, spec: RuntimeSpec) =>
  Effect.gen(function* () {
    const parsed = yield* parseSpec(spec)
    const own = yield* readInstall(root, spec)
    if (own !== undefined) return own
    const all = yield* listInstalled(root)
    const matching = all.filter(
      (i) => i.runtime === parsed.runtime && parsed.version !== undefined && versionMatches(parsed.version, i.version)
    )
    const newest = matching[matching.length - 1]
    if (newest !== undefined) return newest
    return yield* new RuntimeVersionNotInstalled({
      spec,
      installed: all.filter((i) => i.runtime === parsed.runtime).map((i) => `${i.spec} (${i.version})`)
    })
  })

/** The version a runtime binary prints for `--version`: "v24.21.0", "1.4.4", "deno 2.9.5 (…)" all give the number. */
export const versionFromOutput = (output: string) => /(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output)?.[1]

/**
 * One version format everywhere: `<program> <number>` ("node 20.20.2", "go 1.19.8", "deno 2.9.6", "Twisted 22.4.0").
 * The program is the output's first word when it names one, else `program` (the binary's name); applying it
 * twice changes nothing, so versions already stored this way are kept.
 */
export const formatVersion = (output: string, program: string): string => {
  const line = output.trim()
  const number = /\d+\.\d+(?:\.\d+)?/.exec(line)?.[0]
  if (number === undefined) return line
  const first = /^[A-Za-z][\w/+.-]*/.exec(line)?.[0]
  return `${first !== undefined && !/\d/.test(first) ? first : program} ${number}`
}
