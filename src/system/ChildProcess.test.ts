/**
 * The child-process module with real processes: a child that ignores
 * SIGTERM is killed within the grace period, on a plain stop and when the
 * fiber that owns it is interrupted (Ctrl-C); exits are told apart by code
 * and signal name; leftovers of a dead runner are found and removed.
 */
import * as Command from "@effect/platform/Command"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { nodeLive } from "../testing/Live.ts"
import { awaitReady, describeExit, leftovers, removeLeftovers, spawn } from "./ChildProcess.ts"
import { OperatingSystem } from "./OperatingSystem.ts"

// Ignored signals stay ignored across exec, so the `sleep` children ignore SIGTERM too.
const STUBBORN = ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.2; done"]

const gone = (pid: number) =>
  Effect.flatMap(OperatingSystem, (os) =>
    os.process(pid).pipe(
      Effect.as(false),
      Effect.orElseSucceed(() => true)
    )
  )

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
  it.live(
    "a child that ignores SIGTERM is killed with SIGKILL after the grace period",
    () =>
      Effect.gen(function* () {
        const child = yield* startStubborn
        const started = Date.now()
        const exit = yield* child.stop
        const took = Date.now() - started
        expect(Option.map(exit, (e) => e.signal)).toEqual(Option.some("SIGKILL"))
        expect(took).toBeGreaterThanOrEqual(1000)
        expect(took).toBeLessThan(4000)
        expect(yield* gone(child.pid)).toBe(true)
      }).pipe(Effect.scoped, Effect.provide(nodeLive)),
    60_000
  )

  it.live(
    "interrupting the fiber that owns it (Ctrl-C) stops it within the grace period too",
    () =>
      Effect.gen(function* () {
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
        expect(took).toBeGreaterThanOrEqual(1000)
        expect(took).toBeLessThan(4000)
        expect(yield* gone(pid)).toBe(true)
      }).pipe(Effect.provide(nodeLive)),
    60_000
  )

  it.live(
    "an exit is told by its code or its signal's name",
    () =>
      Effect.gen(function* () {
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
      }).pipe(Effect.scoped, Effect.provide(nodeLive)),
    60_000
  )

  it.live(
    "a marked process whose runner is gone is a leftover, and is removed",
    () =>
      Effect.gen(function* () {
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
        expect(yield* gone(orphan.pid)).toBe(true)
      }).pipe(Effect.scoped, Effect.provide(nodeLive)),
    60_000
  )
})
