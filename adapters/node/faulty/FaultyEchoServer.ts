/**
 * Deliberately broken echo servers for the fault tests: each echoes
 * correctly until a connection has passed `--after` bytes, then breaks that
 * connection in one way. The flood must report each as the right error kind
 * and must not hang.
 *
 *   flip      flips one bit                      → corrupted
 *   drop      drops one byte                     → missing-bytes
 *   add       inserts one byte                   → extra-bytes
 *   truncate  closes the connection              → truncated
 *   stall     stops echoing, keeps the socket    → stalled
 *   reset     resets the connection (RST)        → reset
 *
 * Two more echo everything correctly and then send one byte too many, which
 * only a client that checks completion catches (give `--after` the bytes
 * each connection sends):
 *
 *   late        one byte 20 ms after `--after` bytes were echoed, EOF 20 ms later → excess
 *   late-close  one byte when the client half-closes, then EOF          → excess
 */
import * as net from "node:net"
import { parseArgs } from "node:util"

const faults = ["flip", "drop", "add", "truncate", "stall", "reset", "late", "late-close"] as const
type Fault = (typeof faults)[number]

const { values } = parseArgs({
  options: {
    fault: { type: "string" },
    after: { type: "string", default: "40000" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" }
  }
})
const fault = values.fault as Fault
if (!faults.includes(fault)) {
  console.error(`--fault must be one of ${faults.join(", ")}`)
  process.exit(2)
}
const after = Number(values.after)

/** Echoes correctly; the extra byte follows as `fault` says. */
const lateByte = (socket: net.Socket) => {
  let seen = 0
  let ended = false
  let lateSent = false
  const sendLate = () => {
    if (lateSent || socket.destroyed) return
    lateSent = true
    socket.write(Buffer.from([0x2a]))
    // The EOF follows later, so the client has to wait for it to see the byte.
    if (ended) setTimeout(() => socket.end(), 20)
  }
  socket.on("data", (data) => {
    socket.write(data)
    const before = seen
    seen += data.length
    if (fault === "late" && before < after && seen >= after) setTimeout(sendLate, 20)
  })
  socket.on("end", () => {
    ended = true
    if (fault === "late-close") sendLate()
    if (lateSent) setTimeout(() => socket.end(), 20)
  })
}

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  if (fault === "late" || fault === "late-close") {
    socket.on("error", () => {})
    lateByte(socket)
    return
  }
  let seen = 0
  let broken = false
  socket.on("error", () => {})
  socket.on("end", () => socket.end())
  socket.on("data", (data) => {
    const before = seen
    seen += data.length
    if (broken) {
      if (fault !== "stall") socket.write(data)
      return
    }
    if (seen < after) {
      socket.write(data)
      return
    }
    broken = true
    const at = Math.max(0, Math.min(data.length - 1, after - before))
    switch (fault) {
      case "flip": {
        const copy = Buffer.from(data)
        copy[at] = copy[at]! ^ 0x04
        socket.write(copy)
        break
      }
      case "drop":
        socket.write(Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]))
        break
      case "add":
        socket.write(Buffer.concat([data.subarray(0, at), Buffer.from([data[at]! ^ 0xff]), data.subarray(at)]))
        break
      case "truncate":
        socket.end(data.subarray(0, at))
        break
      case "stall":
        break
      case "reset":
        socket.resetAndDestroy()
        break
    }
  })
})

server.listen({ host: values.host, port: Number(values.port), backlog: 1024 }, () => {
  const address = server.address() as net.AddressInfo
  console.log(`faulty(${fault}) listening on ${address.address}:${address.port}`)
})
process.on("SIGTERM", () => process.exit(0))
process.on("SIGINT", () => process.exit(0))
