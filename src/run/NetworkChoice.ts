/**
 * `--network loopback|veth`, `--link-rate`, `--link-delay`: where the server
 * under test runs. `veth` puts it in a test host (a network namespace this run
 * creates, see system/TestHost.ts) and the client outside it, so the bytes
 * cross a link that can be shaped; loopback shares one kernel path.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { check, InvalidOption } from "../engine/FloodOptions.ts"
import type { NetworkDescription } from "../engine/FloodResult.ts"
import { type LinkShape, parseLinkDelay, parseLinkRate } from "../system/TestHost.ts"

export const networkKinds = ["loopback", "veth"] as const
export type NetworkKind = (typeof networkKinds)[number]

/** @category models */
export interface NetworkChoice {
  readonly kind: NetworkKind
  readonly link: LinkShape
}

export const loopback: NetworkChoice = { kind: "loopback", link: {} }

/** Checks the three options together, before any namespace, server or byte. */
export const decideNetwork = (
  kind: NetworkKind,
  rate: Option.Option<string>,
  delay: Option.Option<string>
): Effect.Effect<NetworkChoice, InvalidOption> =>
  Effect.gen(function* () {
    const rateBits = Option.map(rate, parseLinkRate)
    const delayMs = Option.map(delay, parseLinkDelay)
    yield* check(
      !(Option.isSome(rateBits) && rateBits.value === undefined),
      "link-rate",
      Option.getOrUndefined(rate),
      "is not a rate of at least 8kbit",
      "Give tc's units, e.g. --link-rate 1gbit, 200mbit or 500kbit"
    )
    yield* check(
      !(Option.isSome(delayMs) && delayMs.value === undefined),
      "link-delay",
      Option.getOrUndefined(delay),
      "is not a delay above 0 and at most 10 s",
      "Give a time, e.g. --link-delay 5ms"
    )
    const link: LinkShape = {
      rateBitsPerSecond: Option.getOrUndefined(rateBits) ?? undefined,
      delayMs: Option.getOrUndefined(delayMs) ?? undefined
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

/** What run.json and the flood result record of the network. */
export const describeNetwork = (choice: NetworkChoice): NetworkDescription => ({
  kind: choice.kind,
  ...(choice.link.rateBitsPerSecond === undefined ? {} : { rateBitsPerSecond: choice.link.rateBitsPerSecond }),
  ...(choice.link.delayMs === undefined ? {} : { delayMs: choice.link.delayMs })
})
