/**
 * A server host reached over SSH, the way large benchmark harnesses drive
 * their server machines: no daemon of ours runs there, only `ssh` commands in
 * a checkout of this repository at the same commit.
 *
 * A server started there must not outlive its SSH session, whatever happens
 * here (a stop, a crash, SIGKILL of the runner): the remote side runs the
 * server in the background, and a watcher there blocks on reading the SSH
 * channel; when the channel closes, the read returns and the server gets
 * SIGTERM, then SIGKILL after the grace period. The other way round, when the
 * server dies by itself the remote shell exits with its status and the
 * session ends, so the runner sees the crash as the exit of its `ssh`. ssh
 * here is tied to the runner like every other child, so the chain ends with
 * the runner.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { capture } from "./CapturedCommand.ts"

/** @category models */
export interface SshHost {
  /** `user@host` or `host`, as ssh takes it. */
  readonly destination: string
  /** `-o` options for ssh, e.g. `Port=2222`, `IdentityFile=/path/key`. */
  readonly options: ReadonlyArray<string>
  /** The checkout of this repository on that host. */
  readonly directory: string
}

/** @category errors */
export class SshHostError extends Data.TaggedError("SshHostError")<{
  readonly destination: string
  readonly problem: string
  readonly fix: string
}> {
  override get message() {
    return `--server-ssh ${this.destination}: ${this.problem}. ${this.fix}`
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/
/** POSIX shell quoting, so the remote shell sees each argument as it is here. */
export const shellQuote = (arg: string): string => (SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)
const shellJoin = (argv: ReadonlyArray<string>) => argv.map(shellQuote).join(" ")

/** argv that runs `remoteArgv` in the host's checkout. */
export const sshArgv = (host: SshHost, remoteArgv: ReadonlyArray<string>): Array<string> => [
  "ssh",
  "-T",
  "-o",
  "BatchMode=yes",
  "-o",
  "ConnectTimeout=10",
  "-o",
  "ServerAliveInterval=5",
  ...host.options.flatMap((option) => ["-o", option]),
  host.destination,
  `cd ${shellQuote(host.directory)} && ${shellJoin(remoteArgv)}`
]

/** The line the remote side prints first on stdout, so /proc of the right process can be read there. */
export const REMOTE_PID = /^echoflood-remote-pid (\d+)$/m

/**
 * argv that starts a server on the host and ends it with the SSH session:
 * SIGTERM when the channel closes, SIGKILL `graceSeconds` later. The server
 * gets neither the channel nor a terminal; its exit status is the session's.
 */
export const sshServerArgv = (host: SshHost, serverArgv: ReadonlyArray<string>, graceSeconds: number) =>
  sshArgv(host, [
    "sh",
    "-c",
    [
      // An asynchronous command's stdin is /dev/null unless redirected: keep the channel on fd 3 for the watcher.
      "exec 3<&0",
      '"$@" </dev/null 3<&- & pid=$!',
      'echo "echoflood-remote-pid $pid"',
      `{ cat <&3 >/dev/null; kill -TERM "$pid"; i=0; while kill -0 "$pid" && [ "$i" -lt ${Math.max(1, Math.ceil(graceSeconds * 10))} ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$pid"; } >/dev/null 2>&1 & watcher=$!`,
      "exec 3<&-",
      'wait "$pid"; code=$?',
      'kill "$watcher" 2>/dev/null',
      'exit "$code"'
    ].join("; "),
    "sh",
    ...serverArgv
  ])

const classify = (host: SshHost, stderr: string): SshHostError => {
  const text = stderr.trim()
  const fail = (problem: string, fix: string) => new SshHostError({ destination: host.destination, problem, fix })
  if (/Permission denied|Too many authentication failures/i.test(text))
    return fail(
      `the host refused our key (${text.split("\n").at(-1)})`,
      `Add this machine's public key to ~/.ssh/authorized_keys of that user there, or name a key with --ssh-option IdentityFile=/path/to/key`
    )
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text))
    return fail(
      "its host key is not known here",
      "Connect once with `ssh` to accept it, or pass --ssh-option StrictHostKeyChecking=accept-new"
    )
  return fail(
    `it cannot be reached (${text.split("\n").at(-1) || "ssh exited 255"})`,
    "Check the address and that sshd runs there (ssh must log in without a password: BatchMode)"
  )
}

/** Runs a short command there; fails with the reason ssh gave when ssh itself failed. */
export const sshCapture = (host: SshHost, remoteArgv: ReadonlyArray<string>) =>
  Effect.flatMap(capture(sshArgv(host, remoteArgv)), (result) =>
    result.exitCode === 255 || result.exitCode === 127
      ? Effect.fail(
          result.exitCode === 127
            ? new SshHostError({
                destination: host.destination,
                problem: "there is no ssh client here",
                fix: "Install it: apt-get install openssh-client"
              })
            : classify(host, result.stderr)
        )
      : Effect.succeed(result)
  )

/**
 * Before any flood: the host answers, our key is taken, and its checkout is at
 * `commit` (the one measured here), so the servers built there are ours.
 */
export const checkSshHost = (host: SshHost, commit: string) =>
  Effect.gen(function* () {
    const answer = yield* sshCapture(host, ["git", "rev-parse", "HEAD"])
    if (answer.exitCode !== 0) {
      return yield* new SshHostError({
        destination: host.destination,
        problem: `there is no checkout of echoflood at ${host.directory} (${answer.stderr.trim().split("\n").at(-1)})`,
        fix: `Clone the repository there at commit ${commit}, or name its folder with --server-ssh-dir`
      })
    }
    const there = answer.stdout.trim()
    if (there !== commit) {
      return yield* new SshHostError({
        destination: host.destination,
        problem: `its checkout ${host.directory} is at commit ${there.slice(0, 12)}, this one at ${commit.slice(0, 12)}`,
        fix: `Bring it to the same commit: ssh ${host.destination} 'git -C ${shellQuote(host.directory)} fetch && git -C ${shellQuote(host.directory)} checkout ${commit}' (push the commit first if it is only here)`
      })
    }
  })
