/**
 * Where the server under test runs, seen from the runner: here on loopback,
 * in a test host behind a veth link (`--network veth`), or on another machine
 * reached over SSH (`--server-ssh`). The client always runs here. A place says
 * which address the server listens on and the client dials, how the server's
 * command is wrapped to run there, and which system holds its processes, so
 * the same launch, readiness check, stop and /proc readings serve all three.
 *
 * Over SSH the build and the check run there too, in that host's checkout;
 * paths under this checkout are rewritten to that one, and every other
 * absolute path (the Node binary, /usr/bin/python3) must be the same there.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { NetworkDescription } from "../engine/FloodResult.ts"
import { capture } from "../system/CapturedCommand.ts"
import { childArgv } from "../system/ChildProcess.ts"
import { OperatingSystem, type OperatingSystemService } from "../system/OperatingSystem.ts"
import { openSshControl, remoteSystem } from "../system/RemoteSystem.ts"
import { checkSshHost, REMOTE_PID, type SshHost, sshArgv, sshServerArgv } from "../system/SshHost.ts"
import { acquireTestHost, type LinkShape, type TestHost } from "../system/TestHost.ts"
import { repoRoot } from "./Runtimes.ts"
import type { ServerSpec } from "./ServerProcess.ts"

/** @category models */
export interface ServerPlace {
  readonly kind: "loopback" | "veth" | "ssh"
  /** The address the server listens on ({host}) and the client connects to. */
  readonly host: string
  /** The system holding the server's processes and cores: this machine's, or the SSH host's. */
  readonly system: OperatingSystemService
  readonly testHost?: TestHost
  /** The SSH host, its commands riding one control connection. */
  readonly ssh?: SshHost
}

/** The server on this machine's loopback, as before places existed. */
export const loopbackPlace = (host = "127.0.0.1") =>
  Effect.map(OperatingSystem, (system): ServerPlace => ({ kind: "loopback", host, system }))

/** A test host made for this run (removed with the scope), shaped as asked. */
export const vethPlace = (link: LinkShape) =>
  Effect.gen(function* () {
    const testHost = yield* acquireTestHost(0, link)
    const system = yield* OperatingSystem
    return { kind: "veth", host: testHost.insideAddress, system, testHost } satisfies ServerPlace
  })

/**
 * A server host over SSH, checked before any flood (key, address, checkout at
 * `commit`), with one control connection for the scope. The server listens
 * on `address` there (the host part of the destination unless told).
 */
export const sshPlace = (host: SshHost, commit: string, address: string) =>
  Effect.gen(function* () {
    yield* checkSshHost(host, commit)
    const ssh = yield* openSshControl(host)
    const system = yield* remoteSystem(ssh)
    return { kind: "ssh", host: address, system, ssh } satisfies ServerPlace
  })

/** The address to dial for `user@host` (IPv6 brackets dropped). */
export const destinationAddress = (destination: string) =>
  (destination.includes("@") ? destination.slice(destination.lastIndexOf("@") + 1) : destination).replace(
    /^\[(.*)\]$/,
    "$1"
  )

/** What run.json records of the link between the client and the server. */
export const placeNetwork = (place: ServerPlace): NetworkDescription | undefined =>
  place.testHost === undefined
    ? place.kind === "loopback"
      ? { kind: "loopback" }
      : undefined
    : {
        kind: "veth",
        ...(place.testHost.link.rateBitsPerSecond === undefined
          ? {}
          : { rateBitsPerSecond: place.testHost.link.rateBitsPerSecond }),
        ...(place.testHost.link.delayMs === undefined ? {} : { delayMs: place.testHost.link.delayMs })
      }

/** A path of this checkout as the SSH host's checkout has it. */
const there = (place: ServerPlace) => (arg: string) =>
  place.ssh === undefined ? arg : arg.replaceAll(repoRoot, place.ssh.directory)

/** Runs a short command where the server runs (check, build, /proc/…/children). */
export const captureThere = (place: ServerPlace, argv: ReadonlyArray<string>) =>
  place.ssh === undefined ? capture(argv) : capture(sshArgv(place.ssh, argv.map(there(place))))

/**
 * The local child that runs the server there. Loopback: as it is. Test host:
 * inside its namespace (`ip netns exec` keeps the PID, so pinning and the
 * death signal hold). SSH: the pinning, open-files limit and death signal
 * are applied there, the environment is passed on the remote command line,
 * and the server's own PID is read from the line the remote side prints.
 */
export const serverSpecThere = (place: ServerPlace, spec: ServerSpec): ServerSpec => {
  if (place.testHost !== undefined) return { ...spec, argv: place.testHost.exec(spec.argv) }
  if (place.ssh === undefined) return spec
  const env = Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`)
  const remote = childArgv(["env", ...env, ...spec.argv.map(there(place))], spec.cpus)
  const { cpus: _cpus, env: _env, ...rest } = spec
  return {
    ...rest,
    argv: sshServerArgv(place.ssh, remote, graceSeconds(spec)),
    pidLine: REMOTE_PID
  }
}

const graceSeconds = (spec: ServerSpec) => Duration.toSeconds(Duration.decode(spec.stopGrace ?? "5 seconds"))
