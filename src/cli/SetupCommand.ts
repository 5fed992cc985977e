/**
 * `setup` (npm run setup:frameworks): installs the Debian packages the target
 * manifests name and builds every target that has a build step. Idempotent:
 * installed packages are left alone, and it says what it did.
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { capture } from "../system/CapturedCommand.ts"
import { buildTarget, discoverTargets } from "../targets/TargetRegistry.ts"

/** @category errors */
export class SetupFailed extends Data.TaggedError("SetupFailed")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** dpkg-query's own format string, not a JS template. */
const STATUS_FORMAT = "-f=$" + "{Status}"

const isInstalled = (pkg: string) =>
  Effect.map(
    capture(["dpkg-query", "-W", STATUS_FORMAT, pkg]),
    (r) => r.exitCode === 0 && r.stdout.includes("install ok installed")
  )

export const setupCommand = Command.make("setup", {}, () =>
  Effect.gen(function* () {
    const targets = yield* discoverTargets()
    const packages = [...new Set(targets.flatMap((t) => t.manifest.debianPackages))].sort()
    const missing: Array<string> = []
    for (const pkg of packages) if (!(yield* isInstalled(pkg))) missing.push(pkg)
    if (missing.length === 0) {
      yield* Console.log(`Debian packages: all ${packages.length} already installed (${packages.join(", ")})`)
    } else {
      const uid = (yield* capture(["id", "-u"])).stdout.trim()
      const sudo = uid === "0" ? [] : ["sudo"]
      yield* Console.log(`installing ${missing.join(" ")} with ${sudo.length > 0 ? "sudo " : ""}apt-get…`)
      const update = yield* capture([...sudo, "apt-get", "update", "-qq"])
      const install = yield* capture(
        [...sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing],
        { DEBIAN_FRONTEND: "noninteractive" }
      )
      if (update.exitCode !== 0 || install.exitCode !== 0) {
        return yield* new SetupFailed({
          reason: `apt-get failed (run as root or with sudo): ${(install.stderr || update.stderr).trim().split("\n").slice(-5).join("\n")}`
        })
      }
      yield* Console.log(`installed ${missing.join(", ")}`)
    }
    for (const target of targets) {
      if (target.manifest.build === undefined) continue
      const built = yield* Effect.either(buildTarget(target))
      yield* Console.log(Either.isRight(built) ? `built ${target.manifest.name}` : `${built.left.message}`)
    }
  })
).pipe(Command.withDescription("Install the Debian packages the targets need and build them"))
