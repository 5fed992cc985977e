import { describe, expect, it } from "vitest"
import { type Limits, TUNED_PID_MAX } from "../run/Preflight.ts"
import { limitsHere } from "../testing/LimitsFixture.ts"
import { doctorLines } from "./DoctorReport.ts"

const here: Limits = { ...limitsHere, pidMax: 32768, threadsMax: 192725 }

describe("doctor", () => {
  it("doctor shows pid_max as a need of the thread-per-connection targets", () => {
    const lines = doctorLines(here, [1000, 32768], ["python-threads"]).join("\n")
    expect(lines).toMatch(/kernel\.pid_max 32768, kernel\.threads-max 192725: python-threads start a thread per/)
    expect(lines).toContain("too low for 32768")
    const tuned = doctorLines({ ...here, pidMax: Number(TUNED_PID_MAX) }, [1000, 32768], ["python-threads"]).join("\n")
    expect(tuned).toContain(`kernel.pid_max ${TUNED_PID_MAX}`)
    expect(tuned).not.toContain("too low")
    expect(doctorLines(here, [32768]).join("\n")).not.toContain("pid_max")
  })
})
