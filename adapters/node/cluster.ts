/**
 * Runs a Node echo server as K worker processes on one port through
 * node:cluster, the way past one process's open-files limit on Node versions
 * whose net.Server has no `reusePort` (before 22.12 / 23.1):
 *
 *   node --import tsx cluster.ts --workers K -- server.ts [server args…]
 *
 * The primary forks K workers running the server script with its arguments;
 * their listen() calls share one listening socket, which every worker
 * accepts from itself (cluster's SCHED_NONE policy). Not the round-robin
 * default: there the primary accepts every connection and hands it over one
 * at a time per worker, each waiting for the worker's acknowledgement, so
 * under a fast ramp (32,768 connects in two seconds) the primary holds
 * thousands of accepted sockets, reaches its open-files limit, and libuv
 * then accepts and closes connections ("server closed after 0 bytes").
 * UV_TCP_SINGLE_ACCEPT makes each worker's libuv yield after every accept,
 * so the workers take turns and each holds about N/K connections.
 * Once every worker listens, it prints one `cluster of K workers listening on
 * HOST:PORT` line followed by the first worker's own listening line; the
 * workers' output goes to stderr, so that readiness means all K listen. A worker that exits ends the whole cluster (a server that
 * lost part of its capacity must not be measured), and SIGTERM/SIGINT stop
 * the workers first. Workers exit by themselves when the primary dies (their
 * IPC channel closes).
 */
import cluster from "node:cluster"
import { parseArgs } from "node:util"

const separator = process.argv.indexOf("--")
const own = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator)
const [script, ...scriptArgs] = separator === -1 ? [] : process.argv.slice(separator + 1)
const { values } = parseArgs({ args: own, options: { workers: { type: "string", default: "2" } } })
const workers = Number(values.workers)
if (script === undefined || !Number.isInteger(workers) || workers < 1) {
  process.stderr.write("usage: cluster.ts --workers K -- server.ts [server args…]\n")
  process.exit(2)
}

cluster.schedulingPolicy = cluster.SCHED_NONE
cluster.setupPrimary({ exec: script, args: scriptArgs, silent: true })
let listening = 0
let stopping = false
let firstLine = ""
cluster.on("fork", (worker) => {
  worker.process.stderr?.pipe(process.stderr)
  worker.process.stdout?.on("data", (chunk: Buffer) => {
    const text = chunk.toString()
    if (firstLine === "") firstLine = text.split("\n")[0] ?? ""
    process.stderr.write(text)
  })
})
cluster.on("listening", (_worker, address) => {
  listening += 1
  if (listening === workers) {
    process.stdout.write(
      `cluster of ${workers} workers listening on ${address.address}:${address.port}; worker 1: ${firstLine}\n`
    )
  }
})
cluster.on("exit", (worker, code, signal) => {
  if (stopping) return
  process.stderr.write(
    `cluster: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); stopping the others\n`
  )
  stopping = true
  for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM")
  process.exit(1)
})
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM")
    process.exit(0)
  })
}
for (let i = 0; i < workers; i++) cluster.fork({ UV_TCP_SINGLE_ACCEPT: "1" })
