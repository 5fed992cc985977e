/** This machine's limits as the tests take them: 2 cores, open files 20,000, the default port range. */
import type { Limits } from "../run/Preflight.ts"

export const limitsHere: Limits = {
  openFilesSoft: 20000,
  openFilesHard: 20000,
  somaxconn: 4096,
  synBacklog: 1024,
  portRange: [32768, 60999],
  timeWait: 0,
  memAvailableBytes: 4e9,
  cpus: 2,
  timeWaitReuse: 2
}
