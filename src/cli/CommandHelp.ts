/**
 * What each command accepts, read from its @effect/cli definition, and the
 * help we print from it: one line per option with its value type, default
 * and an example, the exit codes, and no built-ins (`--wizard`,
 * `--log-level`, `--completions` still work but are not advertised).
 *
 * @effect/cli 0.77 has no public way to list a command's options, so this
 * walks its descriptor (`Standard`/`Map`/`Subcommands`) and options
 * (`Single`/`Map`/`Both`/`WithDefault`/…) by their `_tag`; the shapes are
 * those of `internal/commandDescriptor.ts` and `internal/options.ts`.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Option from "effect/Option"
import { formatSize } from "./OptionValues.ts"

export interface OptionInfo {
  /** Long name without dashes, e.g. "connections". */
  readonly name: string
  /** Short or long aliases without dashes, e.g. ["n"]. */
  readonly aliases: ReadonlyArray<string>
  /** What follows the option (`size`, `integer`, `a|b|c`), or undefined for a flag. */
  readonly value: string | undefined
  readonly description: string
  readonly example: string | undefined
  readonly defaultText: string | undefined
  /** Given once per value (`Options.repeated`), e.g. `--ssh-option A --ssh-option B`. */
  readonly repeatable?: boolean
}

export interface CommandInfo {
  readonly name: string
  readonly description: string
  readonly options: ReadonlyArray<OptionInfo>
  /** Positional arguments by name; empty when the command takes none. */
  readonly args: ReadonlyArray<string>
}

/** A node of @effect/cli's internal trees; only `_tag` and the fields read below are relied on. */
interface Node {
  readonly _tag: string
  readonly [field: string]: unknown
}

const node = (value: unknown) => value as Node

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

/** Removes colour and style escapes. */
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

const paragraphs = (doc: unknown): Array<string> =>
  stripAnsi(HelpDoc.toAnsiText(doc as HelpDoc.HelpDoc))
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p !== "")

const showDefault = (value: unknown, pseudoName: string | undefined): string | undefined => {
  if (Option.isOption(value) || value === false || value === undefined) return undefined
  if (typeof value === "number" && pseudoName === "size") return formatSize(value)
  return Array.isArray(value) ? value.join(",") : String(value)
}

const collectOptions = (options: Node, fallback: Option.Option<unknown>, into: Array<OptionInfo>) => {
  switch (options._tag) {
    case "Single": {
      const primitive = node(options.primitiveType)
      const pseudoName = Option.getOrUndefined(options.pseudoName as Option.Option<string>)
      const value =
        primitive._tag === "Bool"
          ? undefined
          : primitive._tag === "Choice"
            ? (primitive.alternatives as ReadonlyArray<readonly [string, unknown]>).map(([name]) => name).join("|")
            : (pseudoName ?? primitive._tag.toLowerCase())
      const texts = paragraphs(options.description)
      const example = texts.find((t) => t.startsWith("e.g. "))
      into.push({
        name: options.name as string,
        aliases: options.aliases as ReadonlyArray<string>,
        value,
        description: texts.filter((t) => t !== example).join(" "),
        example,
        defaultText: Option.isSome(fallback) ? showDefault(fallback.value, pseudoName) : undefined
      })
      return
    }
    case "WithDefault":
      return collectOptions(node(options.options), Option.some(options.fallback), into)
    case "Map":
      return collectOptions(node(options.options), fallback, into)
    case "Both":
    case "OrElse":
      collectOptions(node(options.left), fallback, into)
      return collectOptions(node(options.right), fallback, into)
    case "Variadic": {
      const inner: Array<OptionInfo> = []
      collectOptions(node(options.argumentOption), fallback, inner)
      for (const option of inner) into.push({ ...option, repeatable: true })
      return
    }
    case "KeyValueMap":
      return collectOptions(node(options.argumentOption), fallback, into)
    default:
      return
  }
}

const collectArgs = (args: Node, into: Array<string>) => {
  switch (args._tag) {
    case "Single":
      // @effect/cli keeps the brackets in the name ("<runDir>"); usage lines add their own.
      into.push(String(args.name).replace(/^<(.*)>$/, "$1"))
      return
    case "Both":
      collectArgs(node(args.left), into)
      return collectArgs(node(args.right), into)
    case "Variadic": {
      // Shown and checked as "name..." : any number from here on.
      const inner: Array<string> = []
      collectArgs(node(args.args), inner)
      for (const name of inner) into.push(`${name}...`)
      return
    }
    case "Map":
    case "WithDefault":
      return collectArgs(node(args.args), into)
    default:
      return
  }
}

const standardOf = (descriptor: Node): Node =>
  descriptor._tag === "Map"
    ? standardOf(node(descriptor.command))
    : descriptor._tag === "Subcommands"
      ? standardOf(node(descriptor.parent))
      : descriptor

/** The options and arguments of one command. */
export const describeCommand = (command: { readonly descriptor: unknown }): CommandInfo => {
  const standard = standardOf(node(command.descriptor))
  const options: Array<OptionInfo> = []
  const args: Array<string> = []
  if (standard.options !== undefined) collectOptions(node(standard.options), Option.none(), options)
  if (standard.args !== undefined) collectArgs(node(standard.args), args)
  return {
    name: standard.name as string,
    description: paragraphs(standard.description).join(" "),
    options,
    args
  }
}

export const EXIT_CODES = [
  "0    everything verified",
  "1    a measurement failed: wrong, missing or extra bytes, a server crashed or stalled, a compare cell FAILED",
  "2    usage error: a bad option or file, found before any server started or byte was sent",
  "3    environment: open-files limit, toolchain missing for a named target, port in use, nothing listening, cores busy",
  "130  interrupted (what was measured is written first)"
] as const

const RUNNERS =
  "Options pass the same way on every runtime: npm run <command> -- -n 10, bun run <command> -n 10, deno task <command> -n 10."

const flag = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`)

const table = (rows: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd())
}

/** `echoflood --help`: the commands, how options pass on each runtime, the exit codes. */
export const rootHelp = (version: string, description: string, commands: ReadonlyArray<CommandInfo>) =>
  [
    `echoflood ${version}: ${description}`,
    "",
    "Usage: echoflood <command> [options]",
    "",
    "Commands:",
    ...table(commands.map((c) => [c.name, c.description])),
    "",
    RUNNERS,
    "`echoflood <command> --help` lists a command's options.",
    "",
    "Exit codes:",
    ...EXIT_CODES.map((line) => `  ${line}`)
  ].join("\n")

/** `echoflood <command> --help`: every option with its value, default and example. */
export const commandHelp = (info: CommandInfo, example: string | undefined) => {
  const rows = info.options.map((o): readonly [string, string] => {
    const names = [...o.aliases.map(flag), flag(o.name)].join(", ")
    const left = o.value === undefined ? names : `${names} <${o.value}>`
    const extras = [o.defaultText === undefined ? undefined : `default ${o.defaultText}`, o.example]
      .filter((x) => x !== undefined)
      .join("; ")
    return [left, extras === "" ? o.description : `${o.description} (${extras})`]
  })
  const args = info.args.map((a) => ` <${a}>`).join("")
  return [
    `echoflood ${info.name}: ${info.description}`,
    "",
    `Usage: echoflood ${info.name}${args}${info.options.length > 0 ? " [options]" : ""}`,
    ...(rows.length > 0 ? ["", "Options:", ...table(rows)] : []),
    ...(example === undefined ? [] : ["", `Example: ${example}`]),
    "",
    RUNNERS,
    "",
    "Exit codes:",
    ...EXIT_CODES.map((line) => `  ${line}`)
  ].join("\n")
}
