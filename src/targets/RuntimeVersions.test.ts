import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { resolveVersion, summarizeVersions, UnknownRuntimeVersion } from "./RuntimeInstall.ts"
import {
  compareVersions,
  formatVersion,
  isRuntimeSpec,
  parseSpec,
  versionFromOutput,
  versionMatches
} from "./RuntimeVersions.ts"

const nodeVersions = ["20.20.2", "22.9.0", "22.10.0", "24.0.0", "24.9.0", "24.10.1", "25.0.0-rc.1", "26.1.0"]

describe("runtime versions", () => {
  it("prints every target's version as program and number, whatever its version command prints", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["v20.20.2", "node", "node 20.20.2"],
      ["1.4.5", "bun", "bun 1.4.5"],
      ["deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)", "deno", "deno 2.9.6"],
      ["go version go1.19.8 linux/amd64", "go", "go 1.19.8"],
      ["cc (Debian 12.2.0-14+deb12u1) 12.2.0", "cc", "cc 12.2.0"],
      ["Erlang/OTP 25.2.3", "erl", "Erlang/OTP 25.2.3"],
      ["Twisted 22.4.0", "python3", "Twisted 22.4.0"],
      ["unknown", "node", "unknown"]
    ]
    for (const [output, program, shown] of cases) {
      expect(formatVersion(output, program), output).toBe(shown)
      expect(formatVersion(shown, program), `${shown} again`).toBe(shown)
    }
  })

  it("parses a runtime with or without a version, and nothing else", () => {
    expect(Effect.runSync(parseSpec("node@24"))).toEqual({ runtime: "node", version: "24" })
    expect(Effect.runSync(parseSpec("deno@2.9.5"))).toEqual({ runtime: "deno", version: "2.9.5" })
    expect(Effect.runSync(parseSpec("bun"))).toEqual({ runtime: "bun", version: undefined })
    for (const bad of ["python@3", "node@", "node@latest", "node24", "@24"]) {
      expect(isRuntimeSpec(bad), bad).toBe(false)
      const parsed = Effect.runSync(Effect.either(parseSpec(bad)))
      expect(Either.isLeft(parsed) && parsed.left.message, bad).toContain("write node, bun or deno")
    }
  })

  it("matches a version line to exact versions by whole parts", () => {
    expect(versionMatches("24", "24.10.1")).toBe(true)
    expect(versionMatches("24.1", "24.10.1")).toBe(false)
    expect(versionMatches("2", "24.0.0")).toBe(false)
    expect(versionMatches("2.9.5", "2.9.5")).toBe(true)
    expect([..."24.10.1 24.9.0 24.0.0".split(" ")].sort(compareVersions)).toEqual(["24.0.0", "24.9.0", "24.10.1"])
  })

  it("resolves the newest stable version of a line; a prerelease only when named exactly", () => {
    expect(resolveVersion("24", nodeVersions)).toBe("24.10.1")
    expect(resolveVersion("22", nodeVersions)).toBe("22.10.0")
    expect(resolveVersion("25", nodeVersions)).toBeUndefined()
    expect(resolveVersion("25.0.0-rc.1", nodeVersions)).toBe("25.0.0-rc.1")
    expect(resolveVersion("99", nodeVersions)).toBeUndefined()
  })

  it("names an unknown version and lists the versions that exist, newest line first", () => {
    const error = new UnknownRuntimeVersion({
      spec: "node@99",
      pkg: "node",
      available: summarizeVersions("node", nodeVersions)
    })
    expect(error.message).toBe(
      "node@99: npm has no such version of node; versions that exist (newest of each line): 26.1.0 (26.x), 24.10.1 (24.x), 22.10.0 (22.x), 20.20.2 (20.x)"
    )
    expect(summarizeVersions("bun", ["1.3.0", "1.3.14", "1.4.4", "1.4.5"])).toEqual(["1.4.5 (1.4.x)", "1.3.14 (1.3.x)"])
  })

  it("reads the version each runtime's --version prints", () => {
    expect(versionFromOutput("v24.21.0\n")).toBe("24.21.0")
    expect(versionFromOutput("1.4.4\n")).toBe("1.4.4")
    expect(versionFromOutput("deno 2.9.5 (stable, release, x86_64-unknown-linux-gnu)\nv8 15.0\n")).toBe("2.9.5")
  })
})
