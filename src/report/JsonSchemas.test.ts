import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { RunFile } from "../run/RunFile.ts"
import { liveTestsOn } from "../testing/Live.ts"
import { fixtureRun } from "./fixtures/run.ts"
import { renderSummaryJson, Summary } from "./JsonReport.ts"
import { jsonSchemas } from "./JsonSchemas.ts"

const liveTest = liveTestsOn(NodeContext.layer)

describe("JSON Schemas", () => {
  liveTest(
    "src/report/schema/ holds the schemas the code generates (npm run report -- --schemas src/report/schema)",
    function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* path.fromFileUrl(new URL("./schema/", import.meta.url))
      // Compared as data: the formatter may lay the checked-in files out its own way.
      for (const { file, text } of jsonSchemas()) {
        expect(JSON.parse(yield* fs.readFileString(path.join(dir, file))), file).toEqual(JSON.parse(text))
      }
    }
  )

  it("both files carry schemaVersion, and summary.json decodes with its schema, NaN as null", () => {
    const [run, summary] = jsonSchemas().map((s) => JSON.parse(s.text))
    expect(run.required).toContain("schemaVersion")
    expect(summary.required).toContain("schemaVersion")
    const noProc = fixtureRun()
    // No /proc reading for the server: its figures are NaN in the summary, null in summary.json.
    const cells = noProc.cells.map((c) => ({ ...c, samples: c.samples.map((s) => ({ ...s, server: undefined })) }))
    const decoded = Schema.decodeUnknownSync(Summary)(JSON.parse(renderSummaryJson({ ...noProc, cells })))
    expect(decoded.schemaVersion).toBe(1)
    expect(decoded.cells.find((c) => c.status === "ok")?.serverCpuSeconds).toBeNull()
    expect(Schema.decodeUnknownSync(RunFile)(JSON.parse(JSON.stringify(fixtureRun()))).schemaVersion).toBe(1)
  })
})
