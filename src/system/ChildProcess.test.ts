/**
 * The child-process module with real processes: a child that ignores
 * SIGTERM is killed within the grace period, on a plain stop and when the
 * fiber that owns it is interrupted (Ctrl-C); exits are told apart by code
 * and signal name; a child that runs past its bound is stopped and named;
 * leftovers of a dead runner are found and removed.
 */
import * as Command from "@effect/platform/Command"
import { describe, expect } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { expectKilledAfterGrace, isAlive, liveTest } from "../testing/Live.ts"
import { awaitReady, describeExit, leftovers, removeLeftovers, runToCompletion, spawn } from "./ChildProcess.ts"

// Ignored signals stay ignored across exec, so the `sleep` children ignore SIGTERM too.
const STUBBORN = ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.2; done"]

const startStubborn = Effect.gen(function* () {
  const ready = yield* Deferred.make<void>()
  const child = yield* spawn({
    name: "stubborn",
    argv: STUBBORN,
    stopGrace: "1 second",
    onStdout: (line) => {
      if (line === "ready") Deferred.unsafeDone(ready, Effect.void)
      return false
    }
  })
  yield* awaitReady(child, ready, "30 seconds", { sign: "ready line", before: "ready" })
  return child
})

describe("child processes", () => {
  liveTest(
    "a child that ignores SIGTERM is killed with SIGKILL after the grace period",
    function* () {
      const child = yield* startStubborn
      const started = Date.now()
      const exit = yield* child.stop
      const took = Date.now() - started
      expect(Option.map(exit, (e) => e.signal)).toEqual(Option.some("SIGKILL"))
      expectKilledAfterGrace(took)
      expect(yield* isAlive(child.pid)).toBe(false)
    },
    60_000
  )

  liveTest(
    "interrupting the fiber that owns it (Ctrl-C) stops it within the grace period too",
    function* () {
      const started = yield* Deferred.make<number>()
      const fiber = yield* Effect.fork(
        Effect.scoped(
          Effect.gen(function* () {
            const child = yield* startStubborn
            yield* Deferred.succeed(started, child.pid)
            return yield* Effect.never
          })
        )
      )
      const pid = yield* Deferred.await(started)
      const t0 = Date.now()
      yield* Fiber.interrupt(fiber)
      const took = Date.now() - t0
      expectKilledAfterGrace(took)
      expect(yield* isAlive(pid)).toBe(false)
    },
    60_000
  )

  liveTest(
    "an exit is told by its code or its signal's name",
    function* () {
      const coded = yield* spawn({ name: "exits 3", argv: ["sh", "-c", "echo bye >&2; exit 3"] })
      const byCode = Option.getOrThrow(yield* coded.awaitExit("30 seconds"))
      expect(describeExit(byCode)).toBe("exited with code 3")
      const killed = yield* spawn({ name: "killed", argv: ["sh", "-c", "kill -9 $$"] })
      const bySignal = Option.getOrThrow(yield* killed.awaitExit("30 seconds"))
      expect(describeExit(bySignal)).toBe("was killed by SIGKILL")
      const err = yield* Effect.flip(
        awaitReady(coded, yield* Deferred.make<void>(), "10 seconds", { sign: "ready line", before: "ready" })
      )
      expect(err.message).toContain("exited with code 3 before ready")
      expect(err.message).toContain("bye")
    },
    60_000
  )

  liveTest(
    "a child that runs past its bound is stopped, and the failure names the bound",
    function* () {
      const started = Date.now()
      const err = yield* Effect.flip(
        runToCompletion(
          { name: "hung client", argv: ["sh", "-c", "echo working >&2; sleep 60"] },
          1,
          "its --timeout 1 s"
        )
      )
      const took = Date.now() - started
      if (err._tag !== "ChildOverran") return expect.unreachable(err.message)
      expect(err.message).toMatch(
        /^hung client \(pid \d+\) did not finish within 1 s \(its --timeout 1 s\); it was stopped/
      )
      expect(err.message).toContain("working")
      // The bound, then SIGTERM (sh and sleep take it at once): well under the 5 s grace.
      expect(took).toBeGreaterThanOrEqual(1000)
      expect(took).toBeLessThan(5000)
      expect(yield* isAlive(err.pid)).toBe(false)
    },
    60_000
  )

  liveTest(
    "a marked process whose runner is gone is a leftover, and is removed",
    function* () {
      // A PID that was just freed stands for a runner killed with SIGKILL.
      const dead = yield* spawn({ name: "short", argv: ["true"] })
      yield* dead.awaitExit("30 seconds")
      const orphan = yield* Command.start(
        Command.make("sleep", "60").pipe(
          Command.env({ ECHOFLOOD_CHILD: "test leftover", ECHOFLOOD_PARENT: String(dead.pid) })
        )
      )
      const ours = yield* spawn({ name: "ours", argv: ["sleep", "60"] })
      yield* Effect.sleep("200 millis")
      const found = yield* leftovers
      expect(found.map((l) => l.pid)).toContain(orphan.pid)
      expect(found.map((l) => l.pid)).not.toContain(ours.pid)
      const removed = yield* removeLeftovers(found.filter((l) => l.pid === orphan.pid))
      expect(removed).toHaveLength(1)
      yield* orphan.exitCode.pipe(Effect.ignore, Effect.timeout("5 seconds"))
      expect(yield* isAlive(orphan.pid)).toBe(false)
    },
    60_000
  )
})
