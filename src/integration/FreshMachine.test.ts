/**
 * A fresh machine after `npm ci` alone: .ci/fresh-machine.sh hides the
 * Python frameworks, Go and Erlang in a private mount namespace (root only),
 * and the CLI must list those targets as skipped with the command that
 * installs them, refuse a named one with exit 3, and keep the rest.
 */
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import { entryArgv, repoRoot } from "../targets/Runtimes.ts"
import { liveTest } from "../testing/Live.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"

const onFreshMachine = (args: ReadonlyArray<string>) =>
  Effect.flatMap(entryArgv("node", args), (argv) => capture(["sh", `${repoRoot}/.ci/fresh-machine.sh`, ...argv]))

const hidden = ["twisted", "eventlet", "eventlet-nodelay", "go-copy", "go-buffer", "erlang", "erlang-nodelay"]

describe.skipIf(skipWithoutRoot)("on a machine without the Python frameworks, Go and Erlang (needs root)", () => {
  liveTest(
    "lists their targets as skipped with the install command and keeps the others",
    function* () {
      const run = yield* onFreshMachine(["targets", "--json"])
      expect(run.exitCode, run.stderr).toBe(0)
      const rows = JSON.parse(run.stdout) as ReadonlyArray<{
        name: string
        available: boolean
        unavailableReason?: string
      }>
      for (const name of hidden) {
        const row = rows.find((r) => r.name === name)
        expect(row?.available, name).toBe(false)
        expect(row?.unavailableReason, name).toContain("run `npm run setup:frameworks`")
        expect(row?.unavailableReason, name).toMatch(
          /apt-get install (python3-twisted|python3-eventlet|golang-go|erlang)/
        )
      }
      for (const name of ["node", "bun", "deno", "node-raw", "python-threads"]) {
        expect(rows.find((r) => r.name === name)?.available, name).toBe(true)
      }
    },
    120_000
  )

  liveTest(
    "refuses a named target that cannot run with exit 3 and the install command, before any traffic",
    function* () {
      const run = yield* onFreshMachine(["compare", "--targets", "node,twisted", "--connections", "1"])
      expect(run.exitCode, run.stderr).toBe(3)
      expect(run.stderr).toContain("twisted")
      expect(run.stderr).toContain("apt-get install python3-twisted")
      expect(run.stdout).not.toContain("run runs/")
    },
    120_000
  )
})
