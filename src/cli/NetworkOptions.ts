/**
 * Where the server under test runs, as `flood`, `compare` and `saturate`
 * take it: `--network loopback|veth` with the link's shape, and (compare
 * only) `--server-ssh user@host` with `--ssh-option` and `--server-ssh-dir`.
 * Checked together before any namespace, login, server or byte.
 */
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { decideNetwork, networkKinds } from "../run/NetworkChoice.ts"
import type { PlaceRequest } from "../run/RunPlace.ts"
import { repoRoot } from "../targets/Runtimes.ts"

export const networkOptions = {
  network: Options.choice("network", networkKinds).pipe(
    Options.withDefault("loopback" as const),
    Options.withDescription(
      "loopback, or veth: the server runs in a test host (a network namespace, 198.18.0.0/15) behind a veth link and the client outside it; needs root"
    )
  ),
  linkRate: Options.text("link-rate").pipe(
    Options.optional,
    Options.withDescription("With --network veth: the link's rate each way, e.g. 1gbit, 200mbit (tc tbf)")
  ),
  linkDelay: Options.text("link-delay").pipe(
    Options.optional,
    Options.withDescription("With --network veth: delay added on each end of the link, e.g. 5ms (needs sch_netem)")
  )
}

export const serverSshOptions = {
  serverSsh: Options.text("server-ssh").pipe(
    Options.optional,
    Options.withDescription(
      "Run every server on this host over SSH (user@host; key login, no password), the client here; that host's checkout must be at this commit"
    )
  ),
  sshOption: Options.text("ssh-option").pipe(
    Options.repeated,
    Options.withDescription(
      "With --server-ssh: an ssh -o option, e.g. Port=2222 or IdentityFile=~/.ssh/bench; repeatable"
    )
  ),
  serverSshDir: Options.text("server-ssh-dir").pipe(
    Options.optional,
    Options.withDescription("With --server-ssh: the checkout of echoflood there (default: this checkout's path)")
  )
}

interface Given {
  readonly network: (typeof networkKinds)[number]
  readonly linkRate: Option.Option<string>
  readonly linkDelay: Option.Option<string>
  readonly serverSsh: Option.Option<string>
  readonly sshOption: ReadonlyArray<string>
  readonly serverSshDir: Option.Option<string>
  /** compare --saturate: its saturation phase runs on loopback or in a test host only. */
  readonly saturate: boolean
}

/** The place asked for, or a usage error naming the option and the fix. */
export const placeRequest = (given: Given): Effect.Effect<PlaceRequest, InvalidOption> =>
  Effect.gen(function* () {
    const network = yield* decideNetwork(given.network, given.linkRate, given.linkDelay)
    const sshOnly =
      given.sshOption.length > 0 ? "ssh-option" : Option.isSome(given.serverSshDir) ? "server-ssh-dir" : undefined
    if (Option.isNone(given.serverSsh)) {
      if (sshOnly !== undefined) {
        return yield* new InvalidOption({
          option: sshOnly,
          value: sshOnly === "ssh-option" ? given.sshOption.join(" ") : Option.getOrThrow(given.serverSshDir),
          problem: "only applies to a server host",
          fix: "Add --server-ssh user@host, or drop it"
        })
      }
      return { network }
    }
    const destination = given.serverSsh.value.trim()
    const fail = (problem: string, fix: string) =>
      Effect.fail(new InvalidOption({ option: "server-ssh", value: destination, problem, fix }))
    if (destination === "" || destination.startsWith("-") || /\s/.test(destination)) {
      return yield* fail("is not an SSH destination", "Give user@host or host, e.g. --server-ssh bench@192.0.2.10")
    }
    if (network.kind === "veth") {
      return yield* fail(
        "puts every server on another host, and --network veth puts it in a test host here",
        "Pick one: --server-ssh for a real server host, --network veth for a test host on this machine"
      )
    }
    if (given.saturate) {
      return yield* fail(
        "runs the matrix against a server host; the saturation phase does not run there yet",
        "Drop --saturate (or --preset seed), or saturate on this machine in another run"
      )
    }
    return {
      network,
      ssh: {
        destination,
        options: given.sshOption,
        directory: Option.getOrElse(given.serverSshDir, () => repoRoot)
      }
    }
  })
