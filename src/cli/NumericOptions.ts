/**
 * Numeric options whose parse errors name the option and the fix
 * (@effect/cli's own say only "'abc' is not a integer").
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"

const parse = (name: string, kind: "integer" | "number", example: string) => (text: string) => {
  const value = Number(text.trim())
  if (text.trim() === "" || !Number.isFinite(value) || (kind === "integer" && !Number.isSafeInteger(value))) {
    throw new Error(
      `--${name} ${text}: must be ${kind === "integer" ? "a whole number" : "a number"}, e.g. --${name} ${example}`
    )
  }
  return value
}

const onError = (error: unknown) => HelpDoc.p(error instanceof Error ? error.message : String(error))

/** A whole-number option; range checks are left to the command, which knows the fix. */
export const integerOption = (name: string, example: string) =>
  Options.text(name).pipe(Options.mapTryCatch(parse(name, "integer", example), onError))

/** A number option (seconds and the like). */
export const numberOption = (name: string, example: string) =>
  Options.text(name).pipe(Options.mapTryCatch(parse(name, "number", example), onError))
