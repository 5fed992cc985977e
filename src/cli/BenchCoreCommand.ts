/**
 * `bench-core` (`npm run bench:core`): runs the bench:core plan (see
 * run/CoreBench.ts), writes `runs/<id>/run.json`, prints the tables.
 *
 *   npm run bench:core -- [--repetitions 3] [--warmup 1] [--quick] [--parts abcd]
 *                         [--targets node,node-raw,…] [--clients node,deno,bun]
 *                         [--sizes 1000x524288,100x524288]
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidOption } from "../engine/FloodOptions.ts"
import { benchTables } from "../report/BenchTables.ts"
import { writeReports } from "../report/ReportWriter.ts"
import {
  BENCH_SERVERS,
  type BenchCorePlan,
  CLIENT_CORE,
  memoryCells,
  type Part,
  roundCells,
  runBenchCore,
  SERVER_CORE
} from "../run/CoreBench.ts"
import { countOf } from "../run/NumberFormat.ts"
import type { RunFile } from "../run/RunFile.ts"
import { newRunId, runsDir } from "../run/RunStore.ts"
import { targetInfo } from "../run/RunTargets.ts"
import { pinSelf } from "../system/CpuAffinity.ts"
import { collectEnvironment } from "../system/Environment.ts"
import { repoRoot } from "../targets/Runtimes.ts"
import { discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { type RuntimeName, runtimeNames } from "../transport/Transport.ts"
import { integerOption } from "./OptionValues.ts"

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

const options = {
  repetitions: integerOption("repetitions", "3", { min: 1 }).pipe(
    Options.withDefault(3),
    Options.withDescription("Measured repetitions of every cell (min and median are kept)")
  ),
  warmup: integerOption("warmup", "1", { min: 0 }).pipe(
    Options.withDefault(1),
    Options.withDescription("Unmeasured rounds first, so JITs are warm (kept in run.json, marked warmup)")
  ),
  quick: Options.boolean("quick").pipe(
    Options.withDescription("Fewer connections (100 and 10 × 512 KiB; 1000 for memory): a fast smoke test")
  ),
  parts: Options.text("parts").pipe(
    Options.withDefault("abcd"),
    Options.withDescription("Which parts to run: a (core vs raw), b (clients), c (servers vs c-epoll), d (memory)")
  ),
  targets: Options.text("targets").pipe(
    // --servers was this option's first name; commands written with it keep working.
    Options.withAlias("servers"),
    Options.withDefault(BENCH_SERVERS.join(",")),
    Options.withDescription("Servers (targets) to include (c-epoll is needed for b and c)")
  ),
  sizes: Options.text("sizes").pipe(
    Options.optional,
    Options.withDescription("Flood sizes as connections×bytes, e.g. 1000x524288,100x524288 (default by --quick)")
  ),
  clients: Options.text("clients").pipe(
    Options.withDefault(runtimeNames.join(",")),
    Options.withDescription("TS clients to include in part b")
  )
}

const invalid = (option: string, value: unknown, problem: string, fix: string) =>
  Effect.fail(new InvalidOption({ option, value, problem, fix }))

export const benchCoreCommand = Command.make("bench-core", options, (parsed) =>
  Effect.gen(function* () {
    const parts = Array.from(new Set(parsed.parts.toLowerCase())).filter((p): p is Part => "abcd".includes(p))
    if (parts.length === 0 || /[^abcd]/i.test(parsed.parts))
      return yield* invalid("parts", parsed.parts, "must name only a, b, c, d", "e.g. --parts abcd")
    const serverNames = list(parsed.targets)
    const unknownServers = serverNames.filter((name) => !(BENCH_SERVERS as ReadonlyArray<string>).includes(name))
    if (serverNames.length === 0 || unknownServers.length > 0)
      return yield* invalid(
        "targets",
        parsed.targets,
        `bench-core measures our servers and its yardstick only${unknownServers.length > 0 ? `, not ${unknownServers.join(", ")}` : ""}`,
        `Choose from ${BENCH_SERVERS.join(",")} (\`npm run compare -- --targets …\` measures every target)`
      )
    const clientNames = list(parsed.clients)
    const unknownClients = clientNames.filter((name) => !(runtimeNames as ReadonlyArray<string>).includes(name))
    if (unknownClients.length > 0)
      return yield* invalid(
        "clients",
        parsed.clients,
        `the TS clients are ${runtimeNames.join(", ")}, not ${unknownClients.join(", ")}`,
        "The native client is always measured in part b"
      )
    const sizes = Option.isSome(parsed.sizes)
      ? list(parsed.sizes.value).map((text) => {
          const [connections, bytes] = text.split(/[x×]/).map(Number)
          return { connections: connections ?? Number.NaN, bytesPerConnection: bytes ?? Number.NaN }
        })
      : parsed.quick
        ? [
            { connections: 100, bytesPerConnection: 512 * 1024 },
            { connections: 10, bytesPerConnection: 512 * 1024 }
          ]
        : [
            { connections: 1000, bytesPerConnection: 512 * 1024 },
            { connections: 100, bytesPerConnection: 512 * 1024 }
          ]
    for (const size of sizes) {
      if (
        !(
          Number.isSafeInteger(size.connections) &&
          size.connections >= 1 &&
          Number.isSafeInteger(size.bytesPerConnection) &&
          size.bytesPerConnection >= 1
        )
      ) {
        return yield* invalid(
          "sizes",
          Option.getOrElse(parsed.sizes, () => ""),
          "each size must be connections×bytes",
          "e.g. --sizes 1000x524288,100x524288"
        )
      }
    }
    const plan: BenchCorePlan = {
      repetitions: parsed.repetitions,
      warmupRounds: parsed.warmup,
      quick: parsed.quick,
      parts,
      sizes,
      memory: { connections: parsed.quick ? 1000 : 16000, bytesPerConnection: 32 * 1024, connectConcurrency: 256 },
      clients: clientNames as ReadonlyArray<RuntimeName>
    }
    const targets = yield* selectTargets(
      yield* discoverTargets(),
      BENCH_SERVERS.filter((s) => serverNames.includes(s))
    )
    // The orchestrator is idle during floods; keep it off the server's core.
    yield* pinSelf(String(CLIENT_CORE))
    const infos = yield* Effect.forEach(targets, targetInfo, { concurrency: 4 })
    const servers = infos.filter((t) => t.available).map((t) => t.name)
    const environment = yield* collectEnvironment("native", "C (build/c-epoll/flood)", repoRoot)
    const now = new Date()
    const id = `bench-core_${newRunId(environment.host, now)}`
    const dir = `${runsDir}/${id}`
    const initial: RunFile = {
      schemaVersion: 1,
      plan: "bench-core",
      id,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      complete: false,
      environment,
      options: {
        targets: targets.map((t) => t.manifest.name),
        client: "native",
        connections: [...new Set(sizes.map((s) => s.connections))],
        bytes: [...new Set(sizes.map((s) => s.bytesPerConnection))],
        repetitions: plan.repetitions,
        warmup: plan.warmupRounds > 0,
        warmupRounds: plan.warmupRounds,
        parts: parts.join(""),
        chunk: 32 * 1024,
        window: 32 * 1024,
        serverCpus: String(SERVER_CORE),
        clientCpus: String(CLIENT_CORE),
        pauseSeconds: 0,
        timeoutSeconds: 120,
        quick: plan.quick,
        saturate: false
      },
      targets: infos,
      cells: [...sizes.flatMap((size) => roundCells(plan, servers, size)), ...memoryCells(plan, servers)]
    }
    yield* Console.error(
      `bench:core → ${dir}/run.json\n  parts ${parts.join("")}, ${countOf(plan.repetitions, "repetition")} (+${plan.warmupRounds} warm-up), ${countOf(initial.cells.length, "cell")}; servers on core ${SERVER_CORE}, clients on core ${CLIENT_CORE}`
    )
    const run = yield* runBenchCore(dir, initial, plan, targets, { log: (line) => Console.error(line) }).pipe(
      Effect.onInterrupt(() =>
        Console.error(`interrupted: every server started has been stopped; what was measured is in ${dir}/run.json`)
      )
    )
    yield* writeReports(dir)
    yield* Console.log(benchTables(run))
    yield* Console.log(`\nwritten: ${dir}/run.json (and report.md, report.html, results.csv: npm run report -- ${dir})`)
  })
).pipe(
  Command.withDescription(
    "Measure our own code: Effect core vs raw servers, TS clients vs the native one, TS servers vs c-epoll, memory per connection"
  )
)
