/** The command tree; each command lives in its own module. */
import * as Command from "@effect/cli/Command"
import { compareCommand } from "./CompareCommand.ts"
import { doctorCommand } from "./DoctorCommand.ts"
import { floodCommand } from "./FloodCommand.ts"
import { reportCommand } from "./ReportCommand.ts"
import { saturateCommand } from "./SaturateCommand.ts"
import { serveCommand } from "./ServeCommand.ts"
import { setupCommand } from "./SetupCommand.ts"
import { targetsCommand } from "./TargetsCommand.ts"

export const VERSION = "0.1.0"

export const rootCommand = Command.make("echoflood").pipe(
  Command.withDescription("Echo-server flood benchmark for JavaScript runtimes and server frameworks"),
  Command.withSubcommands([
    serveCommand,
    floodCommand,
    targetsCommand,
    compareCommand,
    doctorCommand,
    setupCommand,
    reportCommand,
    saturateCommand
  ])
)

export const cli = Command.run(rootCommand, { name: "echoflood", version: VERSION })
