/**
 * `setup` (npm run setup:frameworks): installs the Debian packages the target
 * manifests name and builds every target that has a build step. Idempotent:
 * installed packages are left alone, and it says what it did.
 * `setup --runtimes node@24,bun@1.4.4` (npm run setup:runtimes -- …) installs
 * runtime versions from npm under build/runtimes instead.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { capture } from "../system/CapturedCommand.ts"
import { installRuntime, parseSpecList } from "../targets/RuntimeInstall.ts"
import { repoRoot } from "../targets/Runtimes.ts"
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

/** Installs each version in turn and says where; the first unknown version stops it with the list npm has. */
const setupRuntimes = (list: string) =>
  Effect.gen(function* () {
    const specs = yield* parseSpecList(list)
    for (const parsed of specs) {
      const { install, fresh } = yield* installRuntime(repoRoot, parsed)
      yield* Console.log(
        `${install.spec}: ${install.runtime} ${install.version} ${fresh ? "installed" : "already installed"} in ${install.folder} (binary ${install.binary})`
      )
    }
    yield* Console.log(
      `use them as targets (--targets ${specs.map((p) => `${p.runtime}@${p.version ?? ""}`).join(",")}) or clients (--client ${specs[0] === undefined ? "node@24" : `${specs[0].runtime}@${specs[0].version ?? ""}`}); \`targets\` lists them`
    )
  })

const setupFrameworks = Effect.gen(function* () {
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

type SetupError = Effect.Effect.Error<typeof setupFrameworks> | Effect.Effect.Error<ReturnType<typeof setupRuntimes>>
type SetupEnv = Effect.Effect.Context<typeof setupFrameworks> | Effect.Effect.Context<ReturnType<typeof setupRuntimes>>

export const setupCommand = Command.make(
  "setup",
  {
    runtimes: Options.text("runtimes").pipe(
      Options.optional,
      Options.withDescription(
        "Install these runtime versions from npm under build/runtimes instead (e.g. node@24,node@22,bun@1.4.4,deno@2.9.5)"
      )
    )
  },
  ({ runtimes }) =>
    Option.match(runtimes, {
      onSome: (list): Effect.Effect<void, SetupError, SetupEnv> => setupRuntimes(list),
      onNone: (): Effect.Effect<void, SetupError, SetupEnv> => setupFrameworks
    })
).pipe(
  Command.withDescription(
    "Install the Debian packages the targets need and build them; --runtimes installs runtime versions from npm"
  )
)
