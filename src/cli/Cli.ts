/** The command tree; each command lives in its own module. */
import * as Command from "@effect/cli/Command"
import { benchCoreCommand } from "./BenchCoreCommand.ts"
import { type CommandInfo, describeCommand } from "./CommandHelp.ts"
import { compareCommand } from "./CompareCommand.ts"
import { doctorCommand } from "./DoctorCommand.ts"
import { floodCommand } from "./FloodCommand.ts"
import { mergeCommand } from "./MergeCommand.ts"
import { reportCommand } from "./ReportCommand.ts"
import { saturateCommand } from "./SaturateCommand.ts"
import { serveCommand } from "./ServeCommand.ts"
import { setupCommand } from "./SetupCommand.ts"
import { targetsCommand } from "./TargetsCommand.ts"

export const VERSION = "0.1.0"

export const DESCRIPTION = "Echo-server flood benchmark for JavaScript runtimes and server frameworks"

const commands = [
  compareCommand,
  floodCommand,
  mergeCommand,
  serveCommand,
  targetsCommand,
  doctorCommand,
  setupCommand,
  reportCommand,
  saturateCommand,
  benchCoreCommand
] as const

/** One example per command, shown at the end of its help. */
export const EXAMPLES: Record<string, string> = {
  compare: "echoflood compare --quick --targets c-epoll,node,bun --bytes 512KiB",
  flood: "echoflood flood -n 1000 --bytes 512KiB --server bun",
  serve: "echoflood serve --port 7000",
  targets: "echoflood targets --notes",
  doctor: "echoflood doctor --connections 1000,10000",
  setup: "sudo echoflood setup",
  report: "echoflood report runs/<id> --compare runs/<other-id>",
  merge: "echoflood merge worker-0.json worker-1.json --json",
  saturate: "echoflood saturate --targets c-epoll,node --duration 20",
  "bench-core": "echoflood bench-core --quick --parts ab"
}

export const commandInfos: ReadonlyArray<CommandInfo> = commands.map((command) => describeCommand(command))

export const rootCommand = Command.make("echoflood").pipe(
  Command.withDescription(DESCRIPTION),
  Command.withSubcommands(commands)
)

export const cli = Command.run(rootCommand, { name: "echoflood", version: VERSION })
