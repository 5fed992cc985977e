import * as Path from "@effect/platform/Path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect } from "@effect/vitest"
import { loadRun } from "../run/RunStore.ts"
import { liveTestsOn } from "../testing/Live.ts"
import { serverTable, targetChecks } from "./BenchTables.ts"

const liveTest = liveTestsOn(NodeContext.layer)

// A committed bench:core run (parts c and d, 1000 × 512 KiB) whose c-epoll floods were client-bound.
const RUN = "../../runs/bench-core_2026-12-01T22-07-33Z_vm"

const load = function* () {
  const path = yield* Path.Path
  return yield* loadRun(yield* path.fromFileUrl(new URL(RUN, import.meta.url)))
}

describe("bench:core tables", () => {
  liveTest("part c shows each server's CPU against c-epoll's beside the throughput ratio", function* () {
    const rows = serverTable(yield* load()).split("\n")
    const header = rows.find((r) => r.startsWith("size"))!.split(/ {2,}/)
    const column = header.indexOf("CPU ×c-epoll")
    expect(column).toBeGreaterThan(header.indexOf("×c-epoll"))
    const cell = (server: string) => rows.find((r) => r.split(/ {2,}/)[1] === server)!.split(/ {2,}/)[column]
    // c-epoll 0.250 s of server CPU, node 0.390 s, bun 0.360 s in that run.
    expect(cell("c-epoll")).toBe("1.00")
    expect(cell("node")).toBe("0.64")
    expect(cell("bun")).toBe("0.69")
  })

  liveTest("a throughput target against a client-bound c-epoll says so, with the CPU share", function* () {
    const checks = targetChecks(yield* load())
    const node = checks.find((c) => c.what.includes("node / c-epoll throughput"))!
    expect(node.value).toBeCloseTo(0.306 / 0.406, 2)
    expect(node.met).toBe(false)
    expect(node.what).toContain("c-epoll client-bound")
    expect(node.what).toContain("CPU ×c-epoll 0.64")
    // Memory checks carry no such remark.
    expect(checks.find((c) => c.what.startsWith("memory node"))!.what).not.toContain("client-bound")
  })
})
