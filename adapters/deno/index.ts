/**
 * The Deno runtime adapter: the transport on Deno.listen / Deno.connect, and
 * @effect/platform-node (run through Deno's Node compatibility; there is no
 * Effect 3 Deno platform package) for files, processes, terminal and runMain.
 * runMain registers its SIGINT/SIGTERM handlers before anything listens,
 * which also keeps Deno 2.9 from panicking when it registers its first
 * signal handler with no file descriptor left (see DenoTransport.ts).
 */
import process from "node:process"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import type { RuntimeAdapter } from "../RuntimeAdapter.ts"
import { layer } from "./DenoTransport.ts"

export const adapter: RuntimeAdapter = {
  transport: layer,
  platform: NodeContext.layer,
  argv: process.argv,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  runMain: NodeRuntime.runMain
}
