/**
 * A raw echo server on node:net with no Effect and no shared code: the
 * yardstick for what our Effect layer costs on Node. It is the original
 * benchmark's node.js server (`socket.write(data)` on `data`), plus the
 * pause-on-backpressure any production server needs.
 */
import * as net from "node:net"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    backlog: { type: "string", default: "32768" }
  }
})

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on("data", (data) => {
    if (!socket.write(data)) socket.pause()
  })
  socket.on("drain", () => socket.resume())
  socket.on("end", () => socket.end())
  socket.on("error", () => {})
})
server.on("error", (error: NodeJS.ErrnoException) => {
  // EMFILE on accept is retried by node:net; anything at listen time is fatal.
  if (!server.listening) {
    console.error(`node-raw: ${error.code ?? ""} ${error.message}`)
    process.exit(1)
  }
})
server.listen({ host: values.host, port: Number(values.port), backlog: Number(values.backlog) }, () => {
  const address = server.address() as net.AddressInfo
  console.log(`node-raw listening on ${address.address}:${address.port}`)
})
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0))
