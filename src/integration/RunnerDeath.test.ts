/**
 * Killing the runner with SIGKILL takes everything it started with it, on
 * every runtime the CLI runs on: `flood` with its own server, `compare`
 * (servers and flood clients) and `saturate` (server, saturating client,
 * probe). Each child runs under `setpriv --pdeathsig KILL`, which the kernel
 * honours when the process that started it dies. "Nothing left" is checked
 * twice: by PID (every process that names the runner as its ECHOFLOOD_PARENT)
 * and by the ports the runner's servers were listening on.
 */
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { nativeClientPath } from "../run/NativeClient.ts"
import { capture } from "../system/CapturedCommand.ts"
import { OperatingSystem, type ProcessEntry } from "../system/OperatingSystem.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { nodeLiveWithSockets as live } from "../testing/Live.ts"
import { skipMissing } from "../testing/SkipMissing.ts"
import type { RuntimeName } from "../transport/Transport.ts"

const runtimes: ReadonlyArray<RuntimeName> = ["node", "bun", "deno"]

/**
 * Processes that name `runner`, or a process below it (a wrapper the runtime may put between), as the echoflood
 * runner that started them.
 */
const childrenOf = (runner: number) =>
  Effect.flatMap(OperatingSystem, (os) => os.processes).pipe(
    Effect.map((all) => {
      const below = new Set([runner])
      for (let grew = true; grew; ) {
        grew = false
        for (const p of all) {
          if (below.has(p.ppid) && !below.has(p.pid)) {
            below.add(p.pid)
            grew = true
          }
        }
      }
      return all.filter((p) => below.has(Number(p.marks.ECHOFLOOD_PARENT)))
    })
  )

/** TCP ports in LISTEN, with the PIDs holding them (ss sees every process when we are root, ours otherwise). */
const listening = Effect.map(capture(["ss", "-Hltnp"]), (result) =>
  result.stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? ""
      const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))
      return { port: Number(local.slice(local.lastIndexOf(":") + 1)), pids }
    })
)

const alive = (pid: number) => Effect.flatMap(OperatingSystem, (os) => Effect.isSuccess(os.process(pid)))

/**
 * Starts the CLI on `runtime`, waits until `ready` holds for the processes it
 * started, notes them and their listening ports, kills the runner with
 * SIGKILL, and reports what is left 5 s later (or as soon as nothing is).
 */
const killRunnerWhen = (
  runtime: RuntimeName,
  args: ReadonlyArray<string>,
  ready: (children: ReadonlyArray<ProcessEntry>) => boolean
) =>
  Effect.gen(function* () {
    const os = yield* OperatingSystem
    const argv = yield* entryArgv(runtime, args)
    const runner = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)))
    let output = ""
    const keep = (stream: Stream.Stream<Uint8Array, unknown>) =>
      stream.pipe(
        Stream.decodeText(),
        Stream.runForEach((text) => Effect.sync(() => (output += text))),
        Effect.ignore,
        Effect.forkScoped
      )
    yield* keep(runner.stdout)
    yield* keep(runner.stderr)
    let children: ReadonlyArray<ProcessEntry> = []
    let ports: Array<number> = []
    // The most it saw at once, for the failure message (the last look comes after the runner has ended).
    let most = "none"
    const deadline = Date.now() + 150_000
    // Until `ready` holds and a server it started listens.
    while (!ready(children) || ports.length === 0) {
      if (Date.now() > deadline || !(yield* alive(runner.pid))) {
        // Its last lines (the reason it ended) may still be on their way through the pipe.
        yield* Effect.sleep("1 second")
        return yield* Effect.dieMessage(
          `the runner never got there (the most seen at once: ${most}); its output:\n${output}`
        )
      }
      yield* Effect.sleep("100 millis")
      children = yield* childrenOf(runner.pid)
      const pids = new Set(children.map((c) => c.pid))
      // One port may have several listeners (our Deno server's accept queues, reuseport copies): count ports once.
      ports = [...new Set((yield* listening).filter((l) => l.pids.some((pid) => pids.has(pid))).map((l) => l.port))]
      const seen = `${children.map((c) => `${c.pid} ${c.marks.ECHOFLOOD_CHILD ?? "?"}`).join(", ")}; ports ${ports.join(", ")}`
      if (children.length > 0 && seen.length > most.length) most = seen
    }
    const killedAt = Date.now()
    yield* os.signal(runner.pid, "SIGKILL")
    let left: Array<ProcessEntry> = [...children]
    let open: Array<number> = ports
    while (Date.now() - killedAt < 5000 && (left.length > 0 || open.length > 0)) {
      yield* Effect.sleep("100 millis")
      left = yield* Effect.filter(children, (c) => alive(c.pid))
      const still = new Set((yield* listening).map((l) => l.port))
      open = ports.filter((port) => still.has(port))
    }
    const strays = yield* childrenOf(runner.pid)
    // Whatever the outcome, leave nothing behind for the next test.
    yield* Effect.forEach([...left, ...strays], (c) => os.signal(c.pid, "SIGKILL"))
    return { children, ports, left, strays, open, seconds: (Date.now() - killedAt) / 1000, output }
  }).pipe(Effect.scoped)

/** Within five seconds of the runner's SIGKILL: no child of its alive, nothing left under it, no port of its listening. */
const expectNothingLeft = (result: Effect.Effect.Success<ReturnType<typeof killRunnerWhen>>) => {
  expect(result.left).toEqual([])
  expect(result.strays).toEqual([])
  expect(result.open).toEqual([])
}

const named = (children: ReadonlyArray<ProcessEntry>, pattern: RegExp) =>
  children.filter((c) => pattern.test(c.marks.ECHOFLOOD_CHILD ?? ""))

/** Skips the test when the runtime's binary is not installed. */
const runtimeMissing = (runtime: RuntimeName) =>
  Effect.map(Effect.either(entryArgv(runtime, [])), (argv) =>
    Either.isLeft(argv) ? Option.some(`needs ${runtime}: npm ci installs it`) : Option.none<string>()
  )

describe("kill -9 of the runner", () => {
  for (const runtime of runtimes) {
    it.live(
      `flood on ${runtime}: its own echo server is gone within seconds`,
      (ctx) =>
        Effect.gen(function* () {
          const missing = yield* runtimeMissing(runtime)
          if (Option.isSome(missing)) return yield* skipMissing(ctx, missing.value)
          const result = yield* killRunnerWhen(
            runtime,
            ["flood", "--connections", "10", "--bytes", "1073741824"],
            (children) => named(children, /echo server/).length > 0
          )
          expect(result.ports.length, result.output).toBe(1)
          expectNothingLeft(result)
        }).pipe(Effect.provide(live)),
      200_000
    )

    it.live(
      `compare on ${runtime}: the target's server and the flood client are gone within seconds`,
      (ctx) =>
        Effect.gen(function* () {
          const missing = yield* runtimeMissing(runtime)
          if (Option.isSome(missing)) return yield* skipMissing(ctx, missing.value)
          const fs = yield* FileSystem.FileSystem
          const runs = yield* fs.makeTempDirectoryScoped()
          const native = yield* fs.exists(nativeClientPath)
          const result = yield* killRunnerWhen(
            runtime,
            [
              "compare",
              "--runs-dir",
              runs,
              "--targets",
              native ? "c-epoll,node-raw" : "node-raw,bun-raw",
              "--connections",
              "10",
              "--bytes",
              "268435456",
              "--repetitions",
              "3",
              "--allow-busy"
            ],
            // Mid-cell: the first target's server and a flood client both running.
            (children) =>
              named(children, /flood client/).length > 0 && named(children, /^(c-epoll|node-raw)$/).length > 0
          )
          expect(named(result.children, /flood client/).length, result.output).toBeGreaterThan(0)
          expect(result.ports.length, result.output).toBeGreaterThan(0)
          expectNothingLeft(result)
        }).pipe(Effect.scoped, Effect.provide(live)),
      200_000
    )
  }

  it.live(
    "saturate: the server, the saturating client and the probe are gone within seconds",
    () =>
      Effect.gen(function* () {
        const result = yield* killRunnerWhen(
          "node",
          ["saturate", "--targets", "node-raw", "--connections", "100", "--duration", "60", "--warmup", "1"],
          // At least one each: a child's own helpers (tsx's esbuild service, on a cold cache) carry its marks too.
          (children) =>
            named(children, /saturating client/).length > 0 &&
            named(children, /client-delay probe/).length > 0 &&
            named(children, /^node-raw$/).length > 0
        )
        expect(result.ports.length, result.output).toBe(1)
        expectNothingLeft(result)
      }).pipe(Effect.provide(live)),
    200_000
  )
})
