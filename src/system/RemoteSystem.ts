/**
 * The `OperatingSystem` service of a server host reached over SSH: the same
 * parsing and arithmetic as on this machine (LinuxSystem's `make`), with each
 * /proc read done by `cat` there. One SSH connection carries them all (a
 * control master, our own child, stopped with the scope), so a read costs a
 * round trip on an open channel rather than a new login.
 *
 * Its clock is ours: a /proc/stat reading is stamped when its answer arrives
 * here, so the busy shares of that host's cores carry the jitter of one round
 * trip over a sample.
 */
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { capture } from "./CapturedCommand.ts"
import { spawn } from "./ChildProcess.ts"
import { make } from "./LinuxSystem.ts"
import { type OperatingSystemService, SystemUnreadable } from "./OperatingSystem.ts"
import { type SshHost, SshHostError, sshArgv } from "./SshHost.ts"

/**
 * Opens the control master in the current scope and gives the host with it:
 * every ssh of the returned host rides the one connection.
 */
export const openSshControl = (host: SshHost) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "echoflood-ssh-" })
    const controlPath = `${dir}/control`
    const master = sshArgv(host, ["true"]).slice(0, -2)
    yield* spawn({
      name: `ssh control master for ${host.destination}`,
      argv: [...master, "-M", "-N", "-o", `ControlPath=${controlPath}`, host.destination],
      stopGrace: "2 seconds"
    }).pipe(
      Effect.mapError(
        (error) =>
          new SshHostError({
            destination: host.destination,
            problem: error.message,
            fix: "Check that ssh is installed"
          })
      )
    )
    const viaMaster: SshHost = { ...host, options: [...host.options, `ControlPath=${controlPath}`, "ControlMaster=no"] }
    yield* capture(["ssh", "-o", `ControlPath=${controlPath}`, "-O", "check", host.destination]).pipe(
      Effect.filterOrFail((result) => result.exitCode === 0),
      Effect.retry({ times: 150, schedule: Schedule.spaced("100 millis") }),
      Effect.mapError(
        () =>
          new SshHostError({
            destination: host.destination,
            problem: "the SSH connection for reading its /proc did not come up within 15 s",
            fix: "Check that `ssh` logs in there without a password (BatchMode)"
          })
      )
    )
    return viaMaster
  })

const remoteRead = (host: SshHost, argv: ReadonlyArray<string>, path: string) =>
  Effect.flatMap(capture(sshArgv(host, argv)), (result) =>
    result.exitCode === 0
      ? Effect.succeed(result.stdout)
      : Effect.fail(new SystemUnreadable({ path, reason: result.stderr.trim() || `exit ${result.exitCode}` }))
  )

/** The service for a host whose ssh goes through `openSshControl`. */
export const remoteSystem = (
  host: SshHost
): Effect.Effect<OperatingSystemService, never, CommandExecutor.CommandExecutor> =>
  Effect.map(CommandExecutor.CommandExecutor, (executor) => {
    const provide = <A, E>(effect: Effect.Effect<A, E, CommandExecutor.CommandExecutor>) =>
      Effect.provideService(effect, CommandExecutor.CommandExecutor, executor)
    return make({
      read: (path) => provide(remoteRead(host, ["cat", path], path)),
      list: (dir) =>
        provide(
          Effect.map(remoteRead(host, ["ls", "-1", dir], dir), (text) => text.split("\n").filter((n) => n !== ""))
        ),
      write: (path, text) =>
        provide(Effect.asVoid(remoteRead(host, ["sh", "-c", `printf %s "$1" > "$2"`, "sh", text, path], path))),
      now: () => performance.now(),
      // This process is not there: pinning it there means nothing.
      pinSelf: () => Effect.void,
      signal: (pid, signal) =>
        provide(
          Effect.map(capture(sshArgv(host, ["kill", "-s", signal.slice(3), String(pid)])), (r) => r.exitCode === 0)
        )
    })
  })
