import { describe, expect, it } from "@effect/vitest"
import { commandInfos } from "./Cli.ts"
import { checkCommandLine } from "./CommandLine.ts"
import { coresOf, parseCores, parseSize, sharedCores } from "./OptionValues.ts"

const check = (line: string) =>
  checkCommandLine(
    line.split(" ").filter((a) => a !== ""),
    commandInfos
  )

describe("command line", () => {
  it("shows help wherever --help is, also after options a script already passes", () => {
    expect(check("compare --quick --help")).toMatchObject({ _tag: "Help", command: { name: "compare" } })
    expect(check("flood -n 5 -h")).toMatchObject({ _tag: "Help", command: { name: "flood" } })
    expect(check("")).toEqual({ _tag: "Help", command: undefined })
  })

  it("names a misspelled command or option with the nearest valid one", () => {
    expect(check("flod")).toMatchObject({
      message: expect.stringContaining('unknown command "flod" (did you mean flood?)')
    })
    expect(check("flood --conections 5")).toMatchObject({
      message: expect.stringContaining("unknown option --conections (did you mean --connections?)")
    })
    expect(check("saturate --target c-epoll")).toMatchObject({ message: expect.stringContaining("--targets?") })
  })

  it("names an option given twice, by alias or with =", () => {
    expect(check("flood -n 5 --connections=6")).toMatchObject({
      message: "flood: --connections is given twice (--connections 5, then --connections 6); give it once"
    })
  })

  it("passes values that look like options (negative numbers) and built-ins to the parser", () => {
    expect(check("serve --backlog -5")).toEqual({ _tag: "Run" })
    expect(check("flood --log-level debug --barrier true -n 3")).toEqual({ _tag: "Run" })
    expect(check("report runs/x --compare runs/y")).toEqual({ _tag: "Run" })
    expect(check("report runs/x runs/y")._tag).toBe("Invalid")
  })
})

describe("option values", () => {
  it("reads sizes with and without units", () => {
    expect(["512KiB", "512k", "512K", "512kb", "1MiB", "1m", "32768", "1.5MiB"].map(parseSize)).toEqual([
      524288, 524288, 524288, 524288, 1048576, 1048576, 32768, 1572864
    ])
    expect(["", "abc", "1.5", "-1", "12q"].map(parseSize)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined
    ])
  })

  it("reads core lists as taskset does", () => {
    expect(parseCores("0-2,5")).toEqual([0, 1, 2, 5])
    expect(parseCores("3-1")).toBeUndefined()
    expect(parseCores("x")).toBeUndefined()
  })

  it("names the cores server and client share, and reads a recorded CPU list back", () => {
    expect(sharedCores([0], [1])).toBeUndefined()
    expect(sharedCores([0, 1], [1])).toBe("1")
    expect(sharedCores([0, 1, 2], [2, 1])).toBe("1,2")
    expect(coresOf("0-1")).toEqual([0, 1])
    expect(coresOf("")).toEqual([0])
  })
})
