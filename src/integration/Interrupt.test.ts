/**
 * Ctrl-C (SIGINT) or SIGTERM to a real `flood` process mid-run: it prints
 * what was measured so far, marked as interrupted, and exits 130. The server
 * echoes 40000 bytes of each connection, then holds it without echoing, so
 * the flood is mid-run, idle, for as long as the test needs.
 */
import * as Command from "@effect/platform/Command"
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { capture } from "../system/CapturedCommand.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { startFaultyServer } from "../testing/FaultyServer.ts"
import { liveTest } from "../testing/Live.ts"

const stallingServer = startFaultyServer("stall", 40000)

const text = (stream: Stream.Stream<Uint8Array, unknown>) => Stream.mkString(Stream.decodeText(stream))

/** Floods the stalling server, sends `signal` once the flood is under way, and returns the exit code and output. */
const interruptFlood = (signal: "SIGINT" | "SIGTERM", extra: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const server = yield* stallingServer
    const args = ["flood", "--port", String(server.port), "-n", "4", "--bytes", "1MiB", "--stall-timeout", "60"]
    const argv = yield* entryArgv("node", [...args, "--timeout", "120", ...extra])
    const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)))
    const stdout = yield* Effect.fork(text(proc.stdout))
    const stderr = yield* Effect.fork(text(proc.stderr))
    // Under way: the 4 connections are open (their first 40000 bytes echo within milliseconds of that).
    yield* capture(["ss", "-Htn", "state", "established", `( dport = :${server.port} )`]).pipe(
      Effect.repeat({
        until: (ss) =>
          ss.stdout
            .trim()
            .split("\n")
            .filter((l) => l !== "").length >= 4,
        schedule: Schedule.spaced("100 millis")
      })
    )
    yield* Effect.sleep("1 second")
    yield* proc.kill(signal)
    const exitCode = yield* proc.exitCode
    return {
      exitCode,
      stdout: yield* stdout.await.pipe(Effect.flatten),
      stderr: yield* stderr.await.pipe(Effect.flatten)
    }
  }).pipe(Effect.timeout("90 seconds"))

describe("an interrupted flood", () => {
  liveTest(
    "prints what was measured so far on SIGINT and exits 130",
    function* () {
      const run = yield* interruptFlood("SIGINT", [])
      expect(run.exitCode, run.stderr).toBe(130)
      expect(run.stdout).toContain("interrupted — measured so far:")
      expect(run.stdout).toContain("FAILED: node")
      // 4 connections × 40000 bytes echoed before the server stopped echoing: more than 0, less than all.
      expect(run.stdout).toMatch(/verified {2}(1[2-6]\d{4}) bytes echoed/)
      expect(run.stdout).toContain("0/4 connections complete")
    },
    120_000
  )

  liveTest(
    "prints one JSON object marked interrupted on SIGTERM with --json and exits 130",
    function* () {
      const run = yield* interruptFlood("SIGTERM", ["--json"])
      expect(run.exitCode, run.stderr).toBe(130)
      const partial = JSON.parse(run.stdout.trim())
      expect(partial).toMatchObject({ ok: false, interrupted: true, connections: 4, connectionsCompleted: 0 })
      expect(partial.bytesVerified).toBeGreaterThan(0)
    },
    120_000
  )
})
