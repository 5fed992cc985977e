/**
 * The real platform and OS service for tests that start processes, read
 * /proc or open sockets: what the CLI gets on Node, nothing mocked.
 */
import { NodeContext } from "@effect/platform-node"
import * as Layer from "effect/Layer"
import { layer as nodeTransport } from "../../adapters/node/NodeTransport.ts"
import * as LinuxSystem from "../system/LinuxSystem.ts"

/** The platform and the OS service as the CLI gets them, on Node. */
export const nodeLive = Layer.provideMerge(LinuxSystem.layer, NodeContext.layer)

/** The same with Node's sockets, for tests that flood or serve in-process. */
export const nodeLiveWithSockets = Layer.merge(nodeLive, nodeTransport)
