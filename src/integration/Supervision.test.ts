/**
 * Supervision end to end, with misbehaving targets from fixtures/targets:
 * a never-ready target costs one ready timeout per run, a server that
 * ignores SIGTERM is killed after its grace period and leaves nothing, a
 * server killed mid-flood reads as a crash with its signal (in run.json and
 * in `flood`'s output), and so does a flood client killed mid-cell.
 * (Killing the runner itself: RunnerDeath.test.ts.)
 */
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { fixtureRun } from "../report/fixtures/run.ts"
import { runMatrix } from "../run/MatrixRunner.ts"
import { nativeClientPath } from "../run/NativeClient.ts"
import type { Cell } from "../run/RunFile.ts"
import { loadRun } from "../run/RunStore.ts"
import { OperatingSystem } from "../system/OperatingSystem.ts"
import { entryArgv } from "../targets/Runtimes.ts"
import { readManifest } from "../targets/TargetRegistry.ts"
import { expectKilledAfterGrace, isAlive, liveTestsOn, nodeLiveWithSockets } from "../testing/Live.ts"

const liveTest = liveTestsOn(nodeLiveWithSockets)
const fixtures = new URL("./fixtures/targets", import.meta.url).pathname

const cell = (target: string, connections: number, bytesPerConnection: number): Cell => ({
  target,
  connections,
  bytesPerConnection,
  status: "pending",
  samples: []
})

/** Runs the matrix over fixture targets; returns the run, its log with times, and the time it took. */
const matrix = (names: ReadonlyArray<string>, cells: ReadonlyArray<Cell>, retryFailedTargets = false) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    const targets = yield* Effect.forEach(names, (name) => readManifest(`${fixtures}/${name}/target.json`))
    const native = yield* fs.exists(nativeClientPath)
    const base = fixtureRun()
    const log: Array<{ at: number; line: string }> = []
    const started = Date.now()
    const run = yield* runMatrix(
      fixtureRun({
        complete: false,
        cells: [...cells],
        options: { ...base.options, targets: [...names], repetitions: 1, warmup: false, timeoutSeconds: 20 }
      }),
      {
        dir,
        targets,
        client: native ? "native" : "node",
        serverCores: [0],
        clientCores: [1],
        retryFailedTargets,
        hooks: {
          progress: () => Effect.void,
          log: (line) => Effect.sync(() => log.push({ at: Date.now(), line }))
        }
      }
    )
    return { run, log, ms: Date.now() - started, stored: yield* loadRun(dir) }
  })

/** `flood` with its own server and a long flood, once `ready(stderr so far)` holds and the server's PID is known. */
const startFlood = (connections: number, ready: (stderr: string) => boolean) =>
  Effect.gen(function* () {
    const argv = yield* entryArgv("node", ["flood", "--connections", String(connections), "--bytes", "1073741824"])
    const proc = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)))
    let stderr = ""
    yield* proc.stderr.pipe(
      Stream.decodeText(),
      Stream.runForEach((text) => Effect.sync(() => (stderr += text))),
      Effect.forkScoped
    )
    const serverPid = () => Number(/echo server \(pid (\d+)\)/.exec(stderr)?.[1] ?? 0)
    const deadline = Date.now() + 90_000
    while (!(serverPid() > 0 && ready(stderr))) {
      if (Date.now() > deadline) return yield* Effect.dieMessage(`flood never got there; its stderr:\n${stderr}`)
      yield* Effect.sleep("50 millis")
    }
    return { proc, output: () => stderr, serverPid: serverPid() }
  })

describe("supervision", () => {
  liveTest(
    "a never-ready target costs one ready timeout per run, its other cells skipped with the reason",
    function* () {
      const cells = [cell("never-ready", 1, 32768), cell("never-ready", 10, 32768), cell("never-ready", 1, 131072)]
      const { run, ms } = yield* matrix(["never-ready"], cells)
      // readyTimeoutSeconds is 2: three attempts would take 6 s.
      expect(ms).toBeLessThan(4500)
      expect(run.cells.map((c) => c.status)).toEqual(["failed", "skipped", "skipped"])
      expect(run.cells[0]!.reason).toContain('no "listening on host:port" line within 2s')
      expect(run.cells[1]!.reason).toContain("never-ready failed to start earlier in this run")
      expect(run.cells[1]!.reason).toContain("--retry-failed-targets")
      const retried = yield* matrix(["never-ready"], cells.slice(0, 2), true)
      expect(retried.run.cells.map((c) => c.status)).toEqual(["failed", "failed"])
      expect(retried.ms).toBeGreaterThanOrEqual(4000)
    },
    120_000
  )

  liveTest(
    "a server that ignores SIGTERM is killed after its grace period, and nothing is left",
    function* () {
      const { run, log, stored } = yield* matrix(["stubborn"], [cell("stubborn", 10, 32768)])
      const ended = Date.now()
      expect(run.cells[0]!.status).toBe("ok")
      const pid = run.cells[0]!.samples[0]!.server!.pid
      expect(yield* isAlive(pid)).toBe(false)
      // From the cell's last line to the end: the 1 s grace, then SIGKILL, not a hang.
      const last = log.find((l) => l.line.startsWith("stubborn 10×"))!
      expectKilledAfterGrace(ended - last.at)
      expect(stored.cells[0]!.status).toBe("ok")
    },
    120_000
  )

  liveTest(
    "a server killed mid-flood is a crash with its signal, in run.json",
    function* () {
      const { run, stored } = yield* matrix(["dies-mid-flood"], [cell("dies-mid-flood", 10, 1048576)])
      const failed = stored.cells[0]!
      expect(failed.status).toBe("failed")
      expect(failed.crash?.process).toBe("dies-mid-flood server")
      expect(failed.crash?.signal).toBe("SIGKILL")
      expect(failed.crash?.exitCode).toBeUndefined()
      expect(failed.crash?.output).toContain("dying after")
      expect(failed.reason).toMatch(/the dies-mid-flood server \(pid \d+\) was killed by SIGKILL .* s into the run/)
      expect(run.cells[0]!.crash?.repetition).toBe(1)
    },
    120_000
  )

  liveTest(
    "a flood client killed mid-cell is a crash with its signal, in run.json; the next cell runs afresh",
    function* () {
      const os = yield* OperatingSystem
      const self = String(yield* os.selfPid)
      // Kills the first flood client this process starts, once it has run a moment.
      yield* Effect.gen(function* () {
        while (true) {
          const client = (yield* os.processes).find(
            (p) => p.marks.ECHOFLOOD_PARENT === self && /flood client/.test(p.marks.ECHOFLOOD_CHILD ?? "")
          )
          if (client !== undefined) {
            yield* Effect.sleep("500 millis")
            return yield* os.signal(client.pid, "SIGKILL")
          }
          yield* Effect.sleep("50 millis")
        }
      }).pipe(Effect.forkScoped)
      const { stored } = yield* matrix(["slow-echo"], [cell("slow-echo", 10, 4 * 1048576), cell("slow-echo", 1, 32768)])
      const lost = stored.cells[0]!
      expect(lost.status).toBe("failed")
      expect(lost.crash?.process).toMatch(/flood client$/)
      expect(lost.crash?.signal).toBe("SIGKILL")
      expect(lost.crash?.exitCode).toBeUndefined()
      expect(lost.crash?.repetition).toBe(1)
      expect(lost.crash?.secondsIntoRun).toBeGreaterThan(0)
      expect(lost.reason).toMatch(
        /^the \S+ flood client \(pid \d+\) was killed by SIGKILL \d+\.\d s into the run, during repetition 1 of 10×4096 KiB; this cell is lost/
      )
      expect(stored.cells[1]!.status, stored.cells[1]!.reason).toBe("ok")
    },
    120_000
  )

  liveTest(
    "flood with its own server: a server killed mid-flood prints the crash line with the signal",
    function* () {
      const os = yield* OperatingSystem
      const { proc, output, serverPid } = yield* startFlood(20, (text) => text.includes("MB verified"))
      yield* os.signal(serverPid, "SIGKILL")
      const code = yield* proc.exitCode
      expect(code).not.toBe(0)
      yield* Effect.sleep("100 millis")
      expect(output()).toMatch(
        new RegExp(`echo server \\(pid ${serverPid}\\) exited during the flood: it was killed by SIGKILL`)
      )
    },
    120_000
  )
})
