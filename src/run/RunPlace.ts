/**
 * Where a compare run's servers run, asked for on the command line and kept
 * in run.json (`options.network`, `options.serverHost`), so `--resume`
 * puts them in the same place again: a fresh test host, or the same SSH host
 * checked anew.
 */
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import type { SshHost } from "../system/SshHost.ts"
import { describeLink } from "../system/TestHost.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import {
  destinationAddress,
  loopbackPlace,
  placeNetwork,
  type ServerPlace,
  sshPlace,
  vethPlace
} from "../targets/ServerPlace.ts"
import { describeNetwork, loopback, type NetworkChoice } from "./NetworkChoice.ts"
import type { RunFile, RunOptions } from "./RunFile.ts"

/** @category models */
export interface PlaceRequest {
  readonly network: NetworkChoice
  readonly ssh?: SshHost
}

/** What a run.json asked for. */
export const requestOfRun = (options: RunOptions): PlaceRequest => ({
  network:
    options.network?.kind === "veth"
      ? {
          kind: "veth",
          link: { rateBitsPerSecond: options.network.rateBitsPerSecond, delayMs: options.network.delayMs }
        }
      : loopback,
  ...(options.serverHost === undefined
    ? {}
    : {
        ssh: {
          destination: options.serverHost.destination,
          options: options.serverHost.sshOptions,
          directory: options.serverHost.directory
        }
      })
})

/** The commit of this checkout, which a server host's checkout must match. */
const headCommit = Effect.map(capture(["git", "-C", repoRoot, "rev-parse", "HEAD"]), (r) => r.stdout.trim())

/** Makes the place in the current scope: a test host is removed with it, an SSH control connection closed. */
export const acquirePlace = (request: PlaceRequest) =>
  Effect.gen(function* () {
    if (request.ssh !== undefined) {
      return yield* sshPlace(request.ssh, yield* headCommit, destinationAddress(request.ssh.destination))
    }
    if (request.network.kind === "veth") return yield* vethPlace(request.network.link)
    return yield* loopbackPlace()
  })

/** The run with where its servers ran: the link, and the server host's machine as its /proc says. */
export const recordPlace = (run: RunFile, place: ServerPlace, request: PlaceRequest) =>
  Effect.gen(function* () {
    const network = placeNetwork(place)
    const withNetwork: RunOptions =
      network === undefined || network.kind === "loopback"
        ? run.options
        : { ...run.options, network: describeNetwork({ kind: "veth", link: request.network.link }) }
    if (request.ssh === undefined) return { ...run, options: withNetwork }
    const machine = yield* place.system.machine
    const cpus = yield* place.system.cpuCount
    return {
      ...run,
      options: {
        ...withNetwork,
        serverHost: {
          destination: request.ssh.destination,
          sshOptions: request.ssh.options,
          directory: request.ssh.directory,
          address: place.host,
          hostName: machine.host,
          kernel: machine.kernel,
          cpuModel: machine.cpuModel,
          cpus,
          memoryBytes: machine.memoryBytes
        }
      }
    } satisfies RunFile
  })

/** One line for the console: where the servers run. */
export const describePlace = (place: ServerPlace) =>
  place.kind === "ssh"
    ? `servers on ${place.ssh?.destination} (over SSH, listening on ${place.host})`
    : place.testHost !== undefined
      ? `servers in test host ${place.testHost.namespace} at ${place.host} behind a veth link (${describeLink(place.testHost.link)})`
      : "servers on loopback"
