/**
 * Every command's option values are parsed and range-checked here, while
 * @effect/cli parses the command line: a bad value stops the command before
 * any server starts or byte is sent, with a message naming the option, what
 * it accepts and an example (@effect/cli's own say only "'abc' is not a
 * integer"). Sizes take units (`512KiB`, `512k`, `1MiB`, `32768`); lists are
 * comma-separated. The pseudo-name (`size`, `integer`, `seconds`, …) is what
 * the help shows after the option.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { cpuCount } from "../system/Limits.ts"
import { isRuntimeSpec, type RuntimeSpec } from "../targets/RuntimeVersions.ts"

/** A value outside what the option accepts; the message is the whole user-facing line. */
class BadValue extends Error {}

export interface Range {
  readonly min?: number
  readonly max?: number
}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3
}

/**
 * Bytes from `32768`, `32k`, `32K`, `32KiB`, `32KB`, `1m`, `1MiB`, `1.5MiB`
 * (k, KB and KiB all mean 1024: nobody floods with 1000-byte kilobytes);
 * undefined when the text is not a whole number of bytes.
 */
export const parseSize = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = match === null ? undefined : UNITS[match[2]!.toLowerCase()]
  if (match === null || unit === undefined) return undefined
  const bytes = Number(match[1]) * unit
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/** `524288` → `512KiB`, `1048576` → `1MiB`, `1000` → `1000`: the shortest exact form. */
export const formatSize = (bytes: number): string =>
  bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0
    ? `${bytes / 1024 ** 2}MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024}KiB`
      : String(bytes)

const rangeText = (range: Range, show: (n: number) => string) =>
  range.min !== undefined && range.max !== undefined
    ? ` from ${show(range.min)} to ${show(range.max)}`
    : range.min !== undefined
      ? ` of at least ${show(range.min)}`
      : range.max !== undefined
        ? ` of at most ${show(range.max)}`
        : ""

const inRange = (value: number, range: Range) =>
  (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max)

interface Kind {
  readonly pseudoName: string
  readonly what: (range: Range) => string
  readonly parse: (text: string) => number | undefined
}

const integerKind: Kind = {
  pseudoName: "integer",
  what: (range) => `a whole number${rangeText(range, String)}`,
  parse: (text) => {
    const value = Number(text.trim())
    return text.trim() !== "" && Number.isSafeInteger(value) ? value : undefined
  }
}

const secondsKind: Kind = {
  pseudoName: "seconds",
  what: (range) => `a number of seconds${rangeText(range, String)}`,
  parse: (text) => {
    const value = Number(text.trim())
    return text.trim() !== "" && Number.isFinite(value) ? value : undefined
  }
}

const sizeKind: Kind = {
  pseudoName: "size",
  what: (range) => `a size in bytes${rangeText(range, formatSize)} (512KiB, 512k, 1MiB and 32768 all work)`,
  parse: parseSize
}

/** Parses one value of `kind`, or throws the user-facing line. */
const parseValue = (name: string, kind: Kind, range: Range, example: string) => (text: string) => {
  const value = kind.parse(text)
  if (value === undefined || !inRange(value, range)) {
    throw new BadValue(`--${name} ${text}: must be ${kind.what(range)}, e.g. --${name} ${example}`)
  }
  return value
}

const parseList = (name: string, kind: Kind, range: Range, example: string) => (text: string) => {
  const items = text.split(",").map((item) => item.trim())
  if (items.some((item) => item === "")) {
    throw new BadValue(`--${name} ${text}: must be ${kind.what(range)}, separated by commas, e.g. --${name} ${example}`)
  }
  const one = parseValue(name, kind, range, example)
  return items.map((item) => {
    try {
      return one(item)
    } catch {
      throw new BadValue(
        `--${name} ${text}: "${item}" is not ${kind.what(range)}; give a comma-separated list, e.g. --${name} ${example}`
      )
    }
  })
}

const onError = (error: unknown) =>
  HelpDoc.p(error instanceof BadValue ? error.message : `unexpected: ${String(error)}`)

const typed = <A>(name: string, pseudoName: string, parse: (text: string) => A) =>
  Options.text(name).pipe(Options.withPseudoName(pseudoName), Options.mapTryCatch(parse, onError))

/** A whole number, e.g. `integerOption("connections", "100", { min: 1 })`. */
export const integerOption = (name: string, example: string, range: Range = {}) =>
  typed(name, integerKind.pseudoName, parseValue(name, integerKind, range, example))

/** A number of seconds (fractions allowed); above 0 unless a range says otherwise. */
export const numberOption = (name: string, example: string, range: Range = {}) =>
  typed(name, secondsKind.pseudoName, (text) => {
    const value = parseValue(name, secondsKind, range, example)(text)
    if (range.min === undefined && value <= 0) {
      throw new BadValue(`--${name} ${text}: must be a number of seconds above 0, e.g. --${name} ${example}`)
    }
    return value
  })

/** Bytes with optional unit: `512KiB`, `512k`, `1MiB`, `32768`. */
export const sizeOption = (name: string, example: string, range: Range = { min: 1 }) =>
  typed(name, sizeKind.pseudoName, parseValue(name, sizeKind, range, example))

/** Comma-separated whole numbers, e.g. `1,100,1000`. */
export const integerListOption = (name: string, example: string, range: Range = { min: 1 }) =>
  typed(name, "integers", parseList(name, integerKind, range, example))

/** Comma-separated sizes, e.g. `32KiB,512KiB`. */
export const sizeListOption = (name: string, example: string, range: Range = { min: 1 }) =>
  typed(name, "sizes", parseList(name, sizeKind, range, example))

/** Comma-separated names (targets, runtimes), never empty; duplicates dropped, order kept. */
export const nameListOption = (name: string, example: string) =>
  typed(name, "names", (text: string) => {
    const names = [
      ...new Set(
        text
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "")
      )
    ]
    if (names.length === 0) {
      throw new BadValue(
        `--${name} ${JSON.stringify(text)}: names nothing; give at least one, e.g. --${name} ${example}`
      )
    }
    return names
  })

/**
 * CPU cores: `0`, `0,2`, `0-3`, `0-1,4` (as taskset takes them). Whether the
 * cores exist is checked by `checkCoresExist` before anything starts.
 */
export const coresOption = (name: string, example: string) =>
  typed(name, "cores", (text: string) => {
    const cores = parseCores(text)
    if (cores === undefined) {
      throw new BadValue(`--${name} ${text}: must be core numbers such as 0, 0,2 or 0-3, e.g. --${name} ${example}`)
    }
    return cores
  })

/** Core numbers from `0`, `0,2`, `0-3`; undefined when malformed. */
export const parseCores = (text: string): ReadonlyArray<number> | undefined => {
  const cores: Array<number> = []
  for (const part of text.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part)
    if (match === null) return undefined
    const first = Number(match[1])
    const last = match[2] === undefined ? first : Number(match[2])
    if (last < first) return undefined
    for (let core = first; core <= last; core++) cores.push(core)
  }
  return [...new Set(cores)]
}

/** Both sides' cores exist on this machine; the cores they share, as `sharedCores` gives them. */
export const checkPinnedCores = (server: ReadonlyArray<number>, client: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    yield* checkCoresExist("server-cores", server)
    yield* checkCoresExist("client-cores", client)
    return sharedCores(server, client)
  })

/** The cores in both lists, as a CPU list ("0,1"); undefined when the sides share none. */
export const sharedCores = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): string | undefined => {
  const shared = a.filter((core) => b.includes(core))
  return shared.length === 0 ? undefined : shared.join(",")
}

/** Core numbers of a CPU list recorded in run.json ("0", "0,1", "0-1"); core 0 when unreadable. */
export const coresOf = (list: string): ReadonlyArray<number> => parseCores(list) ?? [0]

/** --server-cores / --client-cores: CPU lists, one core each by default (--server-core and --client-core still work). */
export const sideCoresOption = (side: "server" | "client") =>
  coresOption(`${side}-cores`, side === "server" ? "0" : "1").pipe(
    Options.withAlias(`${side}-core`),
    Options.withDescription(
      `Cores the ${side === "server" ? "server under test (a multi-process target spreads over them)" : "flood client"} is pinned to: 0, 0,1 or 0-1`
    )
  )

/** `--server-cores` and `--client-cores` where both sides are always pinned: core 0 and core 1 unless told. */
export const pinnedCoresOptions = {
  serverCores: sideCoresOption("server").pipe(Options.withDefault([0] as ReadonlyArray<number>)),
  clientCores: sideCoresOption("client").pipe(Options.withDefault([1] as ReadonlyArray<number>))
}

/** Fails with the option and the cores this machine has when one of `cores` does not exist. */
export const checkCoresExist = (option: string, cores: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const count = yield* cpuCount
    const missing = cores.find((core) => core >= count)
    if (missing !== undefined) {
      return yield* new InvalidOption({
        option,
        value: cores.join(","),
        problem: `core ${missing} does not exist: this machine has ${count === 1 ? "core 0 only" : `cores 0 to ${count - 1}`}`,
        fix: `Pick cores below ${count}, e.g. --${option} ${count - 1}.`
      })
    }
  })

/**
 * A runtime, optionally at a version `setup --runtimes` installed: `node`,
 * `bun`, `deno`, `node@24`, `bun@1.4.4`; or one of the command's own words
 * (`ts`, `native`). Whether the version is installed is checked by the command.
 */
export const runtimeOption = <const Extra extends string = never>(
  name: string,
  example: string,
  extra: ReadonlyArray<Extra> = []
) =>
  typed(name, "runtime", (text: string): RuntimeSpec | Extra => {
    const value = text.trim()
    if ((extra as ReadonlyArray<string>).includes(value)) return value as Extra
    if (isRuntimeSpec(value)) return value
    throw new BadValue(
      `--${name} ${text}: must be ${[...extra, "node", "bun", "deno"].join(", ")}, or one of those at a version installed with \`npm run setup:runtimes\`, e.g. --${name} ${example}`
    )
  })

/** An option with its default and its help line. */
export const defaulted = <A>(option: Options.Options<A>, value: A, description: string) =>
  option.pipe(Options.withDefault(value), Options.withDescription(description))
