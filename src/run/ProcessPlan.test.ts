import { describe, expect, it } from "vitest"
import { planProcesses, sourceAddressOf, split } from "./ProcessPlan.ts"

const here = { openFilesHard: 20000, ports: 28232 }

describe("planProcesses", () => {
  it("keeps one process per side while the limits allow", () => {
    const verdict = planProcesses({ ...here, connections: 16384, serverMode: "single" })
    expect(verdict).toMatchObject({
      _tag: "Planned",
      plan: { serverProcesses: 1, clientProcesses: 1, clientConnections: [16384], sourceAddresses: 1 }
    })
  })

  it("splits 32,768 connections over two server processes, and clients of at most half the port range per source address", () => {
    const verdict = planProcesses({ ...here, connections: 32768, serverMode: "reuseport" })
    expect(verdict).toMatchObject({
      _tag: "Planned",
      plan: { serverProcesses: 2, clientProcesses: 3, clientConnections: [10923, 10923, 10922], sourceAddresses: 3 }
    })
    if (verdict._tag === "Planned") {
      expect([0, 1, 2].map((i) => sourceAddressOf(verdict.plan, i))).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    }
  })

  it("takes two source addresses for 32,768 on the wide range of doctor --tune (one would pass its half)", () => {
    const verdict = planProcesses({ openFilesHard: 20000, ports: 40001, connections: 32768, serverMode: "cluster" })
    expect(verdict).toMatchObject({
      _tag: "Planned",
      plan: { sourceAddresses: 2, clientProcesses: 2, clientConnections: [16384, 16384] }
    })
  })

  it("counts the files each connection holds in the server (go-copy's splice pipes: 3)", () => {
    // 32,768 × 3 = 98,304 files at 17,942 planned per process: 6 processes; the client side is unchanged.
    const verdict = planProcesses({ ...here, connections: 32768, serverMode: "reuseport", filesPerConnection: 3 })
    expect(verdict).toMatchObject({ _tag: "Planned", plan: { serverProcesses: 6, clientProcesses: 3 } })
    expect(planProcesses({ ...here, connections: 8192, serverMode: "single", filesPerConnection: 3 })._tag).toBe(
      "Impossible"
    )
  })

  it("refuses a target that cannot share its port, with the reason", () => {
    const verdict = planProcesses({ ...here, connections: 32768, serverMode: "single" })
    expect(verdict._tag).toBe("Impossible")
    if (verdict._tag === "Impossible") expect(verdict.reason).toContain("cannot share its port")
  })

  it("honours --server-processes, but not below what the limit needs", () => {
    expect(planProcesses({ ...here, connections: 1000, serverMode: "reuseport", serverProcesses: 3 })).toMatchObject({
      _tag: "Planned",
      plan: { serverProcesses: 3, clientProcesses: 1 }
    })
    const low = planProcesses({ ...here, connections: 32768, serverMode: "reuseport", serverProcesses: 1 })
    expect(low._tag).toBe("Impossible")
  })

  it("refuses more connections than four source addresses give", () => {
    const verdict = planProcesses({ openFilesHard: 1_000_000, ports: 1000, connections: 10_000, serverMode: "single" })
    expect(verdict._tag).toBe("Impossible")
    if (verdict._tag === "Impossible") expect(verdict.reason).toContain("doctor --tune")
  })
})

describe("split", () => {
  it("splits into near-equal whole parts", () => {
    expect(split(10, 3)).toEqual([4, 3, 3])
    expect(split(32768, 2)).toEqual([16384, 16384])
  })
})
