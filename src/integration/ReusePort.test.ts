/**
 * Every target whose manifest says it runs as several processes on one port
 * (`processes`: SO_REUSEPORT copies or a cluster): started with two, it must
 * have both serving processes holding accepted connections (established
 * connections on its port, by `ss -p`), and echo every byte over
 * connections spread across them; a SIGKILL of one copy is then seen as that
 * copy's exit (a cluster's primary stops and names the worker). A missing toolchain skips the target, and
 * fails it under ECHOFLOOD_REQUIRE_ALL=1.
 */
import { execFileSync } from "node:child_process"
import * as net from "node:net"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { nodeHasReusePort } from "../../adapters/node/NodeTransport.ts"
import { launchTarget } from "../targets/TargetLauncher.ts"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { eachTarget, expectEchoVerified, expectTargetsNamed } from "../testing/TargetChecks.ts"

/** One target of each runtime and framework the original benchmark measured. */
const ORIGINAL_RUNTIMES = [
  "c-epoll",
  "go-buffer",
  "erlang",
  "twisted",
  "eventlet",
  "python-threads",
  "node",
  "bun",
  "deno"
]
/** Enough that a hash (reuseport) gives each of two processes some (a shared-socket cluster may need more bursts). */
const CONNECTIONS = 64
/** Bursts of CONNECTIONS opened, at most, until two processes hold connections. */
const MAX_BURSTS = 4
const sum = (counts: ReadonlyArray<number>) => counts.reduce((a, b) => a + b, 0)

/**
 * Established connections on the server's port, per server process (`ss -p` names every process holding each
 * socket). Counting connections rather than a process's socket descriptors keeps a socket that closes meanwhile
 * (the launcher's readiness connection) out of the count.
 */
const heldPerProcess = (port: number, pids: ReadonlyArray<number>) => {
  const out = execFileSync("ss", ["-Htnp", "state", "established", "sport", "=", `:${port}`], { encoding: "utf8" })
  const held = pids.map(() => 0)
  for (const line of out.split("\n")) {
    const holders = new Set([...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))
    pids.forEach((pid, i) => {
      if (holders.has(pid)) held[i]!++
    })
  }
  return held
}

const openAll = (port: number) =>
  Effect.promise(() =>
    Promise.all(
      Array.from(
        { length: CONNECTIONS },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(socket))
            socket.once("error", reject)
          })
      )
    )
  )

const targets = await Effect.runPromise(
  discoverTargets().pipe(
    Effect.map((all) => all.filter((t) => t.manifest.processes !== undefined)),
    Effect.provide(NodeContext.layer)
  )
)

describe("several processes on one port", () => {
  it("covers every runtime and framework of the original benchmark", () => {
    expectTargetsNamed(targets, ORIGINAL_RUNTIMES)
  })

  it("knows which Node versions have net.Server reusePort (22.12 and 23.1 on), so older ones use cluster", () => {
    expect(["v20.20.2", "v22.11.0", "v22.12.0", "v23.0.0", "v23.1.0", "v24.0.0"].map(nodeHasReusePort)).toEqual([
      false,
      false,
      true,
      false,
      true,
      true
    ])
  })

  eachTarget(
    targets,
    90_000,
    (target) =>
      Effect.gen(function* () {
        const mode = target.manifest.processes?.mode
        const server = yield* launchTarget(target, { processes: 2 })
        // reuseport: the two copies; cluster: the primary and its two workers.
        expect(server.pids.length).toBe(mode === "cluster" ? 3 : 2)
        const gainedNow = () => heldPerProcess(server.port, server.pids)
        const open: Array<net.Socket> = []
        let gained: Array<number> = []
        // A cluster whose workers accept from one shared socket (node:cluster SCHED_NONE) has no fair split: on a
        // busy machine the first worker awake can take a whole burst. So up to 4 bursts, until two processes hold some.
        for (let burst = 1; burst <= MAX_BURSTS; burst++) {
          open.push(...(yield* openAll(server.port)))
          // Accepting lags the client's connects on a busy machine: wait (up to 10 s) until every connection is held.
          for (let waited = 0; waited < 10_000 && sum(gainedNow()) < open.length; waited += 100)
            yield* Effect.sleep("100 millis")
          gained = gainedNow()
          if (gained.filter((n) => n > 0).length >= 2) break
        }
        for (const s of open) s.destroy()
        const accepting = gained.filter((n) => n > 0).length
        expect(accepting, `connections held per process ${JSON.stringify(gained)}`).toBeGreaterThanOrEqual(2)
        expect(sum(gained), `connections held per process ${JSON.stringify(gained)}`).toBeGreaterThanOrEqual(
          open.length
        )
        yield* expectEchoVerified(target.manifest.name, server, {
          connections: CONNECTIONS,
          bytesPerConnection: 256 * 1024
        })
        // A crash of any copy, not only the first started, is the server's crash: which process and how.
        const victim = server.pids[mode === "cluster" ? 2 : 1]!
        process.kill(victim, "SIGKILL")
        const died = yield* server.firstExit("5 seconds")
        expect(Option.isSome(died), "no exit seen after SIGKILL of one process").toBe(true)
        const { pid, exit, output } = Option.getOrThrow(died)
        if (mode === "cluster") {
          // The primary stops the cluster when a worker dies, naming the worker and its signal.
          expect(pid).toBe(server.pids[0])
          expect(output).toContain(`worker ${victim} exited (SIGKILL)`)
        } else {
          expect(pid).toBe(victim)
          expect(exit.signal).toBe("SIGKILL")
        }
      }),
    (target) =>
      `${target.manifest.name} (${target.manifest.processes?.mode}): two processes both accept, and echo is verified`
  )
})
