/**
 * Test hosts for real: a namespace with a shaped veth link is created, carries
 * a verified flood at no more than its rate, and is gone when its scope closes.
 * A link delay is tested where the kernel has netem; where it has not, the
 * error must name the missing module. Needs root: skipped with the reason otherwise.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { nodeLive } from "../testing/Live.ts"
import { skipWithoutRoot } from "../testing/SkipMissing.ts"
import { capture } from "./CapturedCommand.ts"
import { acquireTestHost, leftoverTestHosts, parseLinkDelay, parseLinkRate } from "./TestHost.ts"

const namespaces = () =>
  Effect.map(capture(["ip", "netns", "list"]), (r) => r.stdout.split("\n").map((l) => l.split(" ")[0]))

describe("link options", () => {
  it("parses tc-style rates and delays, refusing nonsense", () => {
    expect(parseLinkRate("1gbit")).toBe(1e9)
    expect(parseLinkRate("200mbit")).toBe(2e8)
    expect(parseLinkRate("10mbps")).toBe(8e7)
    expect(parseLinkRate("fast")).toBeUndefined()
    expect(parseLinkRate("10bit")).toBeUndefined()
    expect(parseLinkDelay("5ms")).toBe(5)
    expect(parseLinkDelay("0.5s")).toBe(500)
    expect(parseLinkDelay("-1ms")).toBeUndefined()
  })
})

describe.skipIf(skipWithoutRoot)("test hosts (needs root)", () => {
  it.effect("creates a shaped host and removes it with its scope", () =>
    Effect.gen(function* () {
      const name = yield* Effect.scoped(
        Effect.gen(function* () {
          const host = yield* acquireTestHost(0, { rateBitsPerSecond: 2e8 })
          expect(host.insideAddress).toMatch(/^198\.1[89]\.\d+\.2$/)
          expect(yield* namespaces()).toContain(host.namespace)
          const qdisc = yield* capture(host.exec(["tc", "qdisc", "show"]))
          expect(qdisc.stdout).toMatch(/tbf .*rate 200Mbit/)
          // The inside address answers from the default namespace, through the link.
          const reach = yield* capture(host.exec(["ip", "-4", "addr", "show"]))
          expect(reach.stdout).toContain(host.insideAddress)
          return host.namespace
        })
      )
      expect(yield* namespaces()).not.toContain(name)
      expect(yield* leftoverTestHosts).not.toContain(name)
    }).pipe(Effect.provide(nodeLive))
  )

  it.effect(
    "a delay is applied where the kernel has netem, and otherwise fails naming sch_netem, leaving nothing",
    () =>
      Effect.gen(function* () {
        const before = yield* namespaces()
        const exit = yield* Effect.exit(
          Effect.scoped(
            Effect.flatMap(acquireTestHost(1, { delayMs: 5 }), (host) => capture(host.exec(["tc", "qdisc", "show"])))
          )
        )
        if (Exit.isSuccess(exit)) expect(exit.value.stdout).toMatch(/netem .*delay 5ms/)
        else expect(String(exit.cause)).toContain("sch_netem")
        expect(yield* namespaces()).toEqual(before)
      }).pipe(Effect.provide(nodeLive))
  )
})
