/**
 * The faulty echo server (adapters/node/faulty/FaultyEchoServer.ts) as a
 * child process: it echoes correctly, then misbehaves in one way (`fault`)
 * after `after` bytes.
 */

import { repoRoot } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"

export const startFaultyServer = (fault: string, after: number, cpus?: string) =>
  startServer({
    name: `faulty ${fault}`,
    argv: [
      "node",
      "--import",
      "tsx",
      `${repoRoot}/adapters/node/faulty/FaultyEchoServer.ts`,
      "--fault",
      fault,
      "--after",
      String(after)
    ],
    ...(cpus === undefined ? {} : { cpus }),
    readyTimeout: "30 seconds"
  })
