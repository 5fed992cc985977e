/**
 * Manifests that are broken, targets whose toolchain is missing and servers
 * that crash on start must each give a clear message and leave no process.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { nodeLiveWithSockets } from "../testing/Live.ts"
import { launchTarget } from "./TargetLauncher.ts"
import { checkAvailable, discoverTargets, selectTargets } from "./TargetRegistry.ts"

const env = nodeLiveWithSockets

const valid = {
  name: "fake",
  displayName: "Fake",
  kind: "external",
  language: "sh",
  framework: "sh",
  version: ["sh", "-c", "echo fake 1.0"],
  requires: ["sh"],
  debianPackages: ["dash"],
  start: ["sh", "-c", "echo boom >&2; exit 3"],
  readyTimeoutSeconds: 5,
  reusePort: false,
  noDelay: false,
  notes: []
}

/** A throwaway repository root holding one target folder. */
const withTarget = (manifest: unknown) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = yield* fs.makeTempDirectoryScoped()
    yield* fs.makeDirectory(`${root}/adapters/external/fake`, { recursive: true })
    yield* fs.writeFileString(`${root}/adapters/external/fake/target.json`, JSON.stringify(manifest))
    return root
  })

describe("TargetRegistry", () => {
  it.scopedLive("names the field and the valid values of a broken manifest", () =>
    Effect.gen(function* () {
      const root = yield* withTarget({ ...valid, kind: "framework", readyTimeoutSeconds: -1 })
      const error = yield* Effect.flip(discoverTargets(root))
      expect(error._tag).toBe("InvalidManifest")
      expect(error.message).toContain("adapters/external/fake/target.json")
      expect(error.message).toContain('kind: expected "effect-core" | "raw" | "external", got "framework"')
      expect(error.message).toMatch(/readyTimeoutSeconds: /)
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("reports a missing field and an unknown one", () =>
    Effect.gen(function* () {
      const { start: _start, ...noStart } = valid
      const root = yield* withTarget({ ...noStart, strat: [] })
      const error = yield* Effect.flip(discoverTargets(root))
      expect(error.message).toMatch(/start: is missing/)
      expect(error.message).toMatch(/strat: /)
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("says which binary is missing and which package provides it", () =>
    Effect.gen(function* () {
      const root = yield* withTarget({
        ...valid,
        requires: ["echoflood-no-such-tool"],
        debianPackages: ["no-such-pkg"]
      })
      const [target] = yield* discoverTargets(root)
      const error = yield* Effect.flip(checkAvailable(target!))
      expect(error.message).toBe(
        "fake cannot run here: echoflood-no-such-tool not found; run `npm run setup:frameworks` (apt-get install no-such-pkg)"
      )
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("runs the manifest's check, so a missing module skips the target with the install command", () =>
    Effect.gen(function* () {
      const root = yield* withTarget({
        ...valid,
        // What a fresh machine says for `python3 -c "import twisted"`, without needing Python here.
        check: ["sh", "-c", "echo Traceback >&2; echo \"ModuleNotFoundError: No module named 'twisted'\" >&2; exit 1"],
        debianPackages: ["python3-twisted"]
      })
      const [target] = yield* discoverTargets(root)
      const error = yield* Effect.flip(checkAvailable(target!))
      expect(error._tag).toBe("TargetUnavailable")
      expect(error.message).toMatch(
        /^fake cannot run here: `sh -c .*` failed: ModuleNotFoundError: No module named 'twisted'; run `npm run setup:frameworks` \(apt-get install python3-twisted\)$/
      )
      const fine = yield* withTarget({ ...valid, check: ["sh", "-c", "exit 0"] })
      const [ok] = yield* discoverTargets(fine)
      yield* checkAvailable(ok!)
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("lists the valid targets for an unknown name", () =>
    Effect.gen(function* () {
      const root = yield* withTarget(valid)
      const targets = yield* discoverTargets(root)
      const error = yield* Effect.flip(selectTargets(targets, ["nope"]))
      expect(error.message).toBe('unknown target "nope": valid targets are fake')
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("reports a server that crashes on start with its exit code and stderr", () =>
    Effect.gen(function* () {
      const root = yield* withTarget(valid)
      const [target] = yield* discoverTargets(root)
      const error = yield* Effect.flip(Effect.scoped(launchTarget(target!)))
      expect(error._tag).toBe("ServerFailedToStart")
      expect(error.message).toContain("fake did not start: it exited with code 3 before listening")
      expect(error.message).toContain("boom")
    }).pipe(Effect.provide(env))
  )

  it.scopedLive("stops a server that never gets ready, by PID", () =>
    Effect.gen(function* () {
      const root = yield* withTarget({ ...valid, start: ["sleep", "29.5"], readyTimeoutSeconds: 1 })
      const [target] = yield* discoverTargets(root)
      const error = yield* Effect.flip(Effect.scoped(launchTarget(target!)))
      expect(error.message).toContain('no "listening on host:port" line within 1s')
      const fs = yield* FileSystem.FileSystem
      const procs = yield* fs.readDirectory("/proc")
      for (const pid of procs.filter((p) => /^\d+$/.test(p))) {
        const cmd = yield* fs.readFileString(`/proc/${pid}/cmdline`).pipe(Effect.orElseSucceed(() => ""))
        // An odd duration, so another `sleep 30…` on a shared machine is not taken for ours.
        expect(cmd.replaceAll("\0", " ")).not.toBe("sleep 29.5 ")
      }
    }).pipe(Effect.provide(env))
  )
})
