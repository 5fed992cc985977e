import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { limitsHere } from "../testing/LimitsFixture.ts"
import { sourceAddressOf } from "./ProcessPlan.ts"
import { describePlan, freshSourceAddresses, splitRequest, splitVerdict } from "./SplitFlood.ts"

const here = limitsHere

describe("flood past one process", () => {
  it("runs as always while one process per side holds the connections", () => {
    expect(splitVerdict(here, 16384, { serverMode: "single" })).toBeUndefined()
  })

  it("plans 32,768 connections as two server and three client processes, said in one line", () => {
    const verdict = splitVerdict(here, 32768, { serverMode: "cluster" })
    expect(verdict?._tag).toBe("Planned")
    if (verdict?._tag !== "Planned") return
    const plan = freshSourceAddresses(verdict.plan, 7_000)
    // Half of 28,232 ports per address: 16,384 on one would pass it, so three addresses of 10,923 or fewer.
    expect(plan.clientConnections).toEqual([10923, 10923, 10922])
    expect(describePlan(plan, 32768, here, true)).toBe(
      "32768 connections exceed one process here (open-files hard limit 20000): 2 server processes sharing one port, 3 client processes of 10923 + 10923 + 10922 connections over source addresses 127.0.0.23–127.0.0.25 (28232 local ports each); their results merge into one"
    )
  })

  it("starts each second on fresh source addresses, so the last minute's TIME_WAIT ports are not in the way", () => {
    const verdict = splitVerdict(here, 32768, { serverMode: "reuseport" })
    if (verdict?._tag !== "Planned") throw new Error("expected a plan")
    const first = (ms: number) => {
      const plan = freshSourceAddresses(verdict.plan, ms)
      return [0, 1].map((i) => sourceAddressOf(plan, i))
    }
    expect(first(0)).toEqual(["127.0.0.2", "127.0.0.3"])
    expect(first(1_000)).toEqual(["127.0.0.5", "127.0.0.6"])
    // Blocks of three addresses: 80 s later (past TIME_WAIT's 60 s) the first block comes round again; every
    // address stays below 127.0.0.242.
    expect(first(80_000)).toEqual(first(0))
    expect(first(79_000)).toEqual(["127.0.0.239", "127.0.0.240"])
  })

  it("refuses a target that cannot share its port, with the reason", () => {
    expect(splitVerdict(here, 32768, { serverMode: "single" })).toMatchObject({ _tag: "Impossible" })
  })

  it("plans only the client side for a server at --port, and names the options a split cannot honour", () => {
    const request = splitRequest(
      {
        connections: 32768,
        host: "127.0.0.1",
        json: false,
        client: "ts",
        port: Option.some(7000),
        server: Option.none(),
        workers: Option.some(2),
        sourceAddress: Option.none()
      },
      "veth",
      "node"
    )
    expect(request.client).toBe("node")
    expect(Option.isNone(request.serverRuntime)).toBe(true)
    expect(request.excluded).toEqual(["--workers", "--network veth"])
  })
})
