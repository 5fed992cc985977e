/**
 * The command line checked before @effect/cli parses it, for what it does
 * not do: `--help` anywhere after the command (so `npm run compare -- --help`
 * works although the script already passes options), a misspelled command
 * or option named with the nearest valid one, an option given twice named
 * as such (@effect/cli calls both "unknown argument"), and our own help.
 */
import * as Data from "effect/Data"
import { didYouMean } from "../targets/NearestName.ts"
import type { CommandInfo, OptionInfo } from "./CommandHelp.ts"

/** @effect/cli's built-ins: accepted, not advertised. `true` when the built-in takes a value. */
const BUILT_INS: Record<string, boolean> = {
  "log-level": true,
  completions: true,
  wizard: false,
  version: false
}

const HELP = new Set(["--help", "-h"])

export type CommandLine =
  /** Print this help and exit 0. */
  | { readonly _tag: "Help"; readonly command: CommandInfo | undefined }
  /** A usage error: print it and exit 2 before anything starts. */
  | { readonly _tag: "Invalid"; readonly message: string }
  /** Hand the arguments to @effect/cli. */
  | { readonly _tag: "Run" }

const invalid = (message: string): CommandLine => ({ _tag: "Invalid", message })

const dash = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`)

const BOOLEAN_WORDS = new Set(["true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"])

/**
 * Checks `args` (the arguments after the script: `flood -n 5 --bytes 1MiB`)
 * against the commands; only structure is checked here, values are checked
 * by each option's parser.
 */
export const checkCommandLine = (args: ReadonlyArray<string>, commands: ReadonlyArray<CommandInfo>): CommandLine => {
  const [first, ...rest] = args
  if (first === undefined || HELP.has(first) || first === "help") {
    const named = first === "help" && rest[0] !== undefined ? commands.find((c) => c.name === rest[0]) : undefined
    return { _tag: "Help", command: named }
  }
  if (first.startsWith("-")) return { _tag: "Run" }
  const command = commands.find((c) => c.name === first)
  if (command === undefined) {
    const names = commands.map((c) => c.name)
    return invalid(`unknown command "${first}"${didYouMean(first, names)}: commands are ${names.join(", ")}`)
  }
  if (rest.some((arg) => HELP.has(arg))) return { _tag: "Help", command }

  const byName = new Map<string, OptionInfo>()
  for (const option of command.options) {
    byName.set(option.name, option)
    for (const alias of option.aliases) byName.set(alias, option)
  }
  const longNames = command.options.map((o) => `--${o.name}`)
  const seen = new Map<string, string>()
  let positional = 0
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === "--") break
    if (!arg.startsWith("-") || /^-\d/.test(arg)) {
      positional++
      if (positional > command.args.length && !(command.args.at(-1)?.endsWith("...") ?? false)) {
        return invalid(
          command.args.length === 0
            ? `${command.name} takes no argument "${arg}"; options start with --, see \`echoflood ${command.name} --help\``
            : `${command.name}: unexpected argument "${arg}" after ${command.args.map((a) => `<${a}>`).join(" ")}`
        )
      }
      continue
    }
    const equals = arg.indexOf("=")
    const name = arg.replace(/^--?/, "").slice(0, equals === -1 ? undefined : equals - (arg.startsWith("--") ? 2 : 1))
    const option = byName.get(name)
    if (option === undefined) {
      if (name in BUILT_INS) {
        if (BUILT_INS[name] && equals === -1) i++
        continue
      }
      return invalid(
        `${command.name}: unknown option ${arg.slice(0, equals === -1 ? undefined : equals)}${didYouMean(`--${name}`, longNames)} (\`echoflood ${command.name} --help\` lists them)`
      )
    }
    const value = equals === -1 ? (option.value === undefined ? undefined : rest[i + 1]) : arg.slice(equals + 1)
    const earlier = seen.get(option.name)
    if (earlier !== undefined && option.repeatable !== true) {
      const shown = (v: string) => (v === "" ? dash(option.name) : `${dash(option.name)} ${v}`)
      return invalid(
        `${command.name}: ${dash(option.name)} is given twice (${shown(earlier)}, then ${shown(value ?? "")}); give it once${
          option.value !== undefined && option.description.startsWith("Comma-separated")
            ? `, with the values separated by commas`
            : ""
        }`
      )
    }
    seen.set(option.name, value ?? "")
    if (equals !== -1) continue
    if (option.value !== undefined) i++
    else if (rest[i + 1] !== undefined && BOOLEAN_WORDS.has(rest[i + 1]!.toLowerCase())) i++
  }
  return { _tag: "Run" }
}

/** @category errors */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}
