import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { discoverTargets } from "../targets/TargetRegistry.ts"
import { limitsHere } from "../testing/LimitsFixture.ts"
import { type Limits, THREAD_RESERVE, TUNED, TUNED_PID_MAX, threadsVerdict } from "./Preflight.ts"
import { seedPreset } from "./SeedPreset.ts"

const here: Limits = { ...limitsHere, pidMax: 32768, threadsMax: 192725 }

describe("a thread per connection needs pids", () => {
  it("lets 16,384 threads run under pid_max 32768, and refuses 32,768 naming pid_max and the fix", () => {
    expect(threadsVerdict(here, 16384)).toBeUndefined()
    const why = threadsVerdict(here, 32768)
    expect(why).toContain("kernel.pid_max is 32768")
    expect(why).toContain("doctor --tune")
    expect(why).toContain(`sysctl -w kernel.pid_max=${TUNED_PID_MAX}`)
    expect(why).not.toContain("threads-max")
    expect(threadsVerdict({ ...here, pidMax: Number(TUNED_PID_MAX) }, 32768)).toBeUndefined()
  })

  it("names threads-max when that is the short one", () => {
    const why = threadsVerdict({ ...here, pidMax: Number(TUNED_PID_MAX), threadsMax: 30000 }, 32768)
    expect(why).toContain("kernel.threads-max is 30000")
    expect(why).toContain(`kernel.threads-max=${32768 + THREAD_RESERVE}`)
    expect(why).not.toContain("pid_max is")
  })

  it("doctor --tune and the seed preset raise pid_max (saved and restored with the rest)", () => {
    expect(TUNED).toContainEqual(["kernel.pid_max", TUNED_PID_MAX])
    expect(seedPreset.sysctls).toContainEqual(["kernel.pid_max", TUNED_PID_MAX])
  })

  it("the manifests of Python threads, and only those, say they take a thread per connection", async () => {
    const targets = await Effect.runPromise(discoverTargets().pipe(Effect.provide(NodeContext.layer)))
    const threaded = targets.filter((t) => t.manifest.threadPerConnection === true).map((t) => t.manifest.name)
    expect(threaded).toEqual(["python-threads", "python-threads-nodelay"])
  })
})
