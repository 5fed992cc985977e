/**
 * A server host over SSH, against a real sshd in a test host with keys made
 * for the test: the checks that run before any flood (a refused key, an
 * unreachable host and a wrong commit each fail naming the fix), and a server
 * started there that ends with its SSH session. Needs root and sshd
 * (openssh-server): skipped with the reason otherwise.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { liveTest } from "../testing/Live.ts"
import { requireAll, skipWithoutRoot } from "../testing/SkipMissing.ts"
import { capture } from "./CapturedCommand.ts"
import { SSHD, startSshd } from "./fixtures/Sshd.ts"
import { OperatingSystem } from "./OperatingSystem.ts"
import { openSshControl, remoteSystem } from "./RemoteSystem.ts"
import { checkSshHost, REMOTE_PID, sshServerArgv } from "./SshHost.ts"

/** The checkout under test (system/ sits below targets/, whose Runtimes.ts holds the same). */
const repoRoot = decodeURIComponent(new URL("../..", import.meta.url).pathname).replace(/\/$/, "")

const { existsSync } = await import("node:fs")
const missing = skipWithoutRoot
  ? "needs root"
  : !existsSync(SSHD) && !requireAll
    ? "needs sshd: apt-get install openssh-server"
    : undefined
const headCommit = Effect.map(capture(["git", "-C", repoRoot, "rev-parse", "HEAD"]), (r) => r.stdout.trim())
const failureText = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) ? String(exit.cause) : "succeeded")

describe.skipIf(missing !== undefined)(`a server host over SSH (${missing ?? "sshd in a test host"})`, () => {
  liveTest(
    "checks the key, the address and the commit before anything runs there",
    function* () {
      const commit = yield* headCommit
      const { host, testHost } = yield* startSshd(0, repoRoot)
      yield* checkSshHost(host("client_key"), commit)

      const refused = yield* Effect.exit(checkSshHost(host("stranger_key"), commit))
      expect(failureText(refused)).toContain("refused our key")
      expect(failureText(refused)).toContain("IdentityFile")

      const unreachable = yield* Effect.exit(
        checkSshHost(
          {
            ...host("client_key"),
            destination: `root@${testHost.outsideAddress.replace(/\.1$/, ".3")}`,
            options: [...host("client_key").options, "ConnectTimeout=2"]
          },
          commit
        )
      )
      expect(failureText(unreachable)).toContain("cannot be reached")

      const fs = yield* FileSystem.FileSystem
      const other = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-other-checkout-" })
      yield* capture([
        "sh",
        "-c",
        `cd ${other} && git init -q && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m other`
      ])
      const wrong = yield* Effect.exit(checkSshHost(host("client_key", other), commit))
      expect(failureText(wrong)).toContain(`this one at ${commit.slice(0, 12)}`)
      expect(failureText(wrong)).toContain("checkout")
    },
    180_000
  )

  liveTest(
    "a server started there ends with its SSH session",
    function* () {
      const { host } = yield* startSshd(1, repoRoot)
      const argv = sshServerArgv(host("client_key"), ["sleep", "300"], 1)
      // The session ends at once (stdin at EOF): the server must be gone, SIGTERM first.
      const run = yield* capture(["sh", "-c", `"$@" </dev/null`, "sh", ...argv])
      const pid = Number(REMOTE_PID.exec(run.stdout)?.[1])
      expect(pid).toBeGreaterThan(0)
      // Read there, through the same service that reads a server host's /proc.
      const there = yield* remoteSystem(host("client_key"))
      const proc = yield* Effect.exit(there.process(pid))
      expect(failureText(proc)).toContain(`process ${pid} is gone`)
    },
    180_000
  )

  liveTest(
    "that host's /proc is read through one SSH connection with the same parsing as here",
    function* () {
      const { host } = yield* startSshd(2, repoRoot)
      const local = yield* OperatingSystem
      const remote = yield* remoteSystem(yield* openSshControl(host("client_key")))
      // The test host shares this kernel, so both must see the same machine and this process.
      const self = yield* local.selfPid
      const [here, there] = [yield* local.process(self), yield* remote.process(self)]
      expect(there.rssBytes).toBeGreaterThan(0)
      expect(Math.abs(there.rssBytes - here.rssBytes)).toBeLessThan(here.rssBytes)
      expect((yield* remote.cpuTimes).cores.length).toBe((yield* local.cpuTimes).cores.length)
      expect((yield* remote.machine).kernel).toBe((yield* local.machine).kernel)
    },
    180_000
  )
})
