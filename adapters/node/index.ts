/** The Node.js runtime adapter: node:net transport, @effect/platform-node for the rest. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import type { RuntimeAdapter } from "../RuntimeAdapter.ts"
import { layer } from "./NodeTransport.ts"

export const adapter: RuntimeAdapter = {
  transport: layer,
  platform: NodeContext.layer,
  argv: process.argv,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  runMain: NodeRuntime.runMain
}
