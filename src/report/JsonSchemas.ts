/**
 * JSON Schemas of run.json and summary.json, generated from the Effect
 * Schemas that decode them, so a tool in another language can validate a
 * run. `report --schemas <dir>` writes them; src/report/schema/ holds
 * the current ones (a test keeps them in step with the code).
 */
import * as JSONSchema from "effect/JSONSchema"
import { RunFile } from "../run/RunFile.ts"
import { Summary } from "./JsonReport.ts"

export const jsonSchemas = (): ReadonlyArray<{ readonly file: string; readonly text: string }> => [
  { file: "run.schema.json", text: `${JSON.stringify(JSONSchema.make(RunFile), null, 2)}\n` },
  { file: "summary.schema.json", text: `${JSON.stringify(JSONSchema.make(Summary), null, 2)}\n` }
]
