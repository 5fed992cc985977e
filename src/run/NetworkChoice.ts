/**
 * `--network loopback|veth`, `--link-rate`, `--link-delay`: where the server
 * under test runs. `veth` puts it in a test host (a network namespace this run
 * creates, see system/TestHost.ts) and the client outside it, so the bytes
 * cross a link that can be shaped; loopback shares one kernel path.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import type { NetworkDescription } from "../engine/FloodResult.ts"
import { describeLink, type LinkShape, parseLinkDelay, parseLinkRate } from "../system/TestHost.ts"

export const networkKinds = ["loopback", "veth"] as const
export type NetworkKind = (typeof networkKinds)[number]

/** @category models */
export interface NetworkChoice {
  readonly kind: NetworkKind
  readonly link: LinkShape
}

export const loopback: NetworkChoice = { kind: "loopback", link: {} }

/** An option's value parsed when it was given; one that does not parse names the problem and the fix. */
const parseGiven = (
  option: string,
  given: Option.Option<string>,
  parse: (text: string) => number | undefined,
  problem: string,
  fix: string
): Effect.Effect<number | undefined, InvalidOption> =>
  Option.match(given, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) => {
      const value = parse(text)
      return value === undefined
        ? Effect.fail(new InvalidOption({ option, value: text, problem, fix }))
        : Effect.succeed(value)
    }
  })

/** Checks the three options together, before any namespace, server or byte. */
export const decideNetwork = (
  kind: NetworkKind,
  rate: Option.Option<string>,
  delay: Option.Option<string>
): Effect.Effect<NetworkChoice, InvalidOption> =>
  Effect.gen(function* () {
    const link: LinkShape = {
      rateBitsPerSecond: yield* parseGiven(
        "link-rate",
        rate,
        parseLinkRate,
        "is not a rate of at least 8kbit",
        "Give tc's units, e.g. --link-rate 1gbit, 200mbit or 500kbit"
      ),
      delayMs: yield* parseGiven(
        "link-delay",
        delay,
        parseLinkDelay,
        "is not a delay above 0 and at most 10 s",
        "Give a time, e.g. --link-delay 5ms"
      )
    }
    if (kind === "loopback" && (link.rateBitsPerSecond !== undefined || link.delayMs !== undefined)) {
      return yield* new InvalidOption({
        option: Option.isSome(rate) ? "link-rate" : "link-delay",
        value: Option.getOrThrow(Option.orElse(rate, () => delay)),
        problem: "shapes a link, and loopback has none",
        fix: "Add --network veth to run the server in a test host behind a shaped link"
      })
    }
    return { kind, link }
  })

/** "loopback" or "veth link to a test host (200 Mbit/s)", for reports. */
export const networkWords = (network: NetworkDescription | undefined) =>
  network === undefined || network.kind === "loopback"
    ? "loopback"
    : `veth link to a test host (${describeLink({ rateBitsPerSecond: network.rateBitsPerSecond, delayMs: network.delayMs })})`

/** What run.json and the flood result record of the network. */
export const describeNetwork = (choice: NetworkChoice): NetworkDescription => ({
  kind: choice.kind,
  ...(choice.link.rateBitsPerSecond === undefined ? {} : { rateBitsPerSecond: choice.link.rateBitsPerSecond }),
  ...(choice.link.delayMs === undefined ? {} : { delayMs: choice.link.delayMs })
})
