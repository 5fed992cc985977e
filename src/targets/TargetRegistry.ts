/**
 * Finds every `adapters/**\/target.json`, validates it, and turns a manifest
 * into commands: placeholders filled in, availability (are its binaries
 * here?), live version, and the build step.
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type Captured, capture } from "../system/CapturedCommand.ts"
import { didYouMean } from "./NearestName.ts"
import { repoRoot, runtimeBinary, tsxLoader } from "./Runtimes.ts"
import { formatVersion, type RuntimeSpec, runtimeOf } from "./RuntimeVersions.ts"
import { TargetManifest } from "./TargetManifest.ts"

/** @category errors */
export class InvalidManifest extends Data.TaggedError("InvalidManifest")<{
  readonly path: string
  readonly problems: ReadonlyArray<string>
}> {
  override get message() {
    return `invalid target manifest ${this.path}:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/** @category errors */
export class TargetUnavailable extends Data.TaggedError("TargetUnavailable")<{
  readonly target: string
  /** What is missing or failing, e.g. "go not found" or "`python3 -c import twisted` failed: No module …". */
  readonly problem: string
  readonly debianPackages: ReadonlyArray<string>
}> {
  /** How to get what is missing. */
  get install() {
    return this.debianPackages.length === 0
      ? "run `npm ci`"
      : `run \`npm run setup:frameworks\` (apt-get install ${this.debianPackages.join(" ")})`
  }
  override get message() {
    return `${this.target} cannot run here: ${this.problem}; ${this.install}`
  }
}

/** @category errors */
export class BuildFailed extends Data.TaggedError("BuildFailed")<{
  readonly target: string
  readonly output: string
}> {
  override get message() {
    return `${this.target}: build failed\n${this.output.trim().split("\n").slice(-20).join("\n")}`
  }
}

/** @category errors */
export class UnknownTarget extends Data.TaggedError("UnknownTarget")<{
  readonly name: string
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    return `unknown target "${this.name}"${didYouMean(this.name, this.known)}: valid targets are ${this.known.join(", ")}`
  }
}

/** A manifest with where it was found. */
export interface Target {
  readonly manifest: TargetManifest
  /** Folder holding target.json. */
  readonly dir: string
  /** Set on a versioned target (`node@24`): its runtime's binary is this installed version's. */
  readonly runtimeSpec?: RuntimeSpec
}

const decodeManifest = Schema.decodeUnknown(Schema.parseJson(TargetManifest), {
  errors: "all",
  onExcessProperty: "error"
})

/**
 * One line per field; a literal union's alternatives ("Expected "raw"",
 * "Expected "external"", …) are joined so the line lists every valid value.
 */
const describeIssues = (issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>): Array<string> => {
  const byField = new Map<string, { expected: Array<string>; actual: string | undefined; other: Array<string> }>()
  for (const issue of issues) {
    const field = issue.path.length === 0 ? "(file)" : issue.path.join(".")
    const entry = byField.get(field) ?? { expected: [], actual: undefined, other: [] }
    const literal = /^Expected (".*"), actual (.*)$/.exec(issue.message)
    if (literal !== null) {
      entry.expected.push(literal[1]!)
      entry.actual = literal[2]
    } else {
      entry.other.push(issue.message)
    }
    byField.set(field, entry)
  }
  return [...byField].flatMap(([field, entry]) => [
    ...(entry.expected.length > 0 ? [`${field}: expected ${entry.expected.join(" | ")}, got ${entry.actual}`] : []),
    ...entry.other.map((message) => `${field}: ${message}`)
  ])
}

/** Reads and validates one manifest; errors name the field and what is valid there. */
export const readManifest = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((error) => new InvalidManifest({ path, problems: [error.message] })))
    const manifest = yield* decodeManifest(text).pipe(
      Effect.mapError(
        (error) =>
          new InvalidManifest({
            path,
            problems: describeIssues(ParseResult.ArrayFormatter.formatErrorSync(error))
          })
      )
    )
    const dir = path.slice(0, path.lastIndexOf("/"))
    return { manifest, dir } satisfies Target
  })

/** Every target under `root/adapters`, sorted by name; any invalid manifest fails the whole discovery. */
export const discoverTargets = (root: string = repoRoot) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const files = (yield* fs.readDirectory(`${root}/adapters`, { recursive: true }).pipe(Effect.orDie))
      .filter((file) => file === "target.json" || file.endsWith("/target.json"))
      .sort()
    const targets = yield* Effect.forEach(files, (file) => readManifest(`${root}/adapters/${file}`))
    const seen = new Map<string, string>()
    for (const target of targets) {
      const other = seen.get(target.manifest.name)
      if (other !== undefined) {
        return yield* new InvalidManifest({
          path: `${target.dir}/target.json`,
          problems: [`name: "${target.manifest.name}" is already used by ${other}/target.json`]
        })
      }
      seen.set(target.manifest.name, target.dir)
    }
    return targets.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
  })

/** Picks targets by name, in the order given; an unknown name lists the valid ones. */
export const selectTargets = (all: ReadonlyArray<Target>, names: ReadonlyArray<string>) =>
  Effect.forEach(names, (name) => {
    const found = all.find((t) => t.manifest.name === name)
    return found === undefined
      ? Effect.fail(new UnknownTarget({ name, known: all.map((t) => t.manifest.name) }))
      : Effect.succeed(found)
  })

export interface Placeholders {
  /** The address to listen on; 127.0.0.1 when absent. */
  readonly host?: string
  readonly port?: number
  readonly backlog?: number
  /** Worker processes of a cluster-mode target. */
  readonly processes?: number
}

/** Fills the placeholders of one argv entry. */
export const fillPlaceholders = (target: Target, values: Placeholders) =>
  Effect.gen(function* () {
    const runtimes: Record<string, string> = {}
    for (const runtime of ["node", "bun", "deno"] as const) {
      const spec =
        target.runtimeSpec !== undefined && runtimeOf(target.runtimeSpec) === runtime ? target.runtimeSpec : runtime
      runtimes[runtime] = yield* runtimeBinary(spec).pipe(Effect.orElseSucceed(() => `{${runtime}}`))
    }
    const table: Record<string, string> = {
      host: values.host ?? "127.0.0.1",
      port: String(values.port ?? 0),
      processes: String(values.processes ?? 1),
      backlog: String(values.backlog ?? 32768),
      dir: target.dir,
      root: repoRoot,
      tsx: tsxLoader,
      build: `${repoRoot}/build/${target.manifest.name}`,
      ...runtimes
    }
    return (argv: ReadonlyArray<string>): Array<string> =>
      argv.map((arg) => arg.replace(/\{(\w+)\}/g, (whole, key: string) => table[key] ?? whole))
  })

/** Runs a short command: here, or where the server runs (ServerPlace's `captureThere`). */
export type RunCommand = (
  argv: ReadonlyArray<string>
) => Effect.Effect<Captured, never, CommandExecutor.CommandExecutor>

/** Where a binary is: an absolute path that exists, or a name found on PATH. */
const locate = (binary: string, run: RunCommand | undefined) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (binary.includes("{")) return false
    if (binary.startsWith("/") && run === undefined)
      return yield* fs.exists(binary).pipe(Effect.orElseSucceed(() => false))
    const found = yield* (run ?? capture)(["sh", "-c", 'command -v "$1"', "sh", binary])
    return found.exitCode === 0 && found.stdout.trim() !== ""
  })

const lastLine = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .at(-1)

/**
 * Succeeds when the target can run here: every binary it requires is
 * found, then its check (or, without one, its version command) exits 0.
 */
export const checkAvailable = (target: Target, run?: RunCommand) =>
  Effect.gen(function* () {
    const fill = yield* fillPlaceholders(target, {})
    const unavailable = (problem: string) =>
      new TargetUnavailable({ target: target.manifest.name, problem, debianPackages: target.manifest.debianPackages })
    for (const binary of fill(target.manifest.requires)) {
      if (!(yield* locate(binary, run))) return yield* unavailable(`${binary} not found`)
    }
    const check = fill(target.manifest.check ?? target.manifest.version)
    const result = yield* (run ?? capture)(check)
    if (result.exitCode !== 0) {
      const why =
        lastLine(result.stderr) ??
        lastLine(result.stdout) ??
        (result.signal === undefined ? `exit code ${result.exitCode}` : `killed by ${result.signal}`)
      return yield* unavailable(`\`${check.join(" ")}\` failed: ${why}`)
    }
  })

/** The first line the version command prints (stdout, else stderr) as `<program> <number>`, or "unknown". */
export const readVersion = (target: Target) =>
  Effect.gen(function* () {
    const fill = yield* fillPlaceholders(target, {})
    const command = fill(target.manifest.version)
    const result = yield* capture(command)
    const line = `${result.stdout}\n${result.stderr}`.split("\n").find((l) => l.trim() !== "")
    const program = ((command[0] ?? "").split("/").at(-1) ?? "").replace(/\.exe$/, "")
    return result.exitCode === 0 && line !== undefined ? formatVersion(line, program) : "unknown"
  })

const built = new Set<string>()

/** Runs the build step once per process and machine (`where`: "" here); a failure carries the step's output. */
export const buildTarget = (target: Target, run?: RunCommand, where = "") =>
  Effect.gen(function* () {
    const step = target.manifest.build
    const key = `${where}\u0000${target.manifest.name}`
    if (step === undefined || built.has(key)) return
    const fill = yield* fillPlaceholders(target, {})
    const result = yield* (run ?? capture)(fill(step))
    if (result.exitCode !== 0) {
      return yield* new BuildFailed({ target: target.manifest.name, output: result.stdout + result.stderr })
    }
    built.add(key)
  })
