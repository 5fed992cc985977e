/**
 * The Bun runtime adapter: the transport on Bun.listen / Bun.connect, and
 * @effect/platform-node for files, processes, terminal and runMain (it runs
 * under Bun; @effect/platform-bun would only add node:net sockets we do not use).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import type { RuntimeAdapter } from "../RuntimeAdapter.ts"
import { layer } from "./BunTransport.ts"

export const adapter: RuntimeAdapter = {
  transport: layer,
  platform: NodeContext.layer,
  argv: process.argv,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  runMain: NodeRuntime.runMain
}
