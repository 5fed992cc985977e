/**
 * Raw echo server written directly on Bun.listen: no Effect, no shared code.
 * It is the yardstick for what the Effect-core server costs on Bun.
 *
 *   bun server.ts --port P [--host 127.0.0.1] [--backlog N] [--reuseport]
 *
 * Prints `bun-raw listening on HOST:PORT` (the real port when 0 was asked) once
 * listening; exits on SIGTERM / SIGINT. `--backlog` is accepted but Bun.listen
 * has no backlog option: the kernel gets 512 whatever is asked.
 *
 * Bun's `socket.write()` writes what the kernel takes and returns the count, so
 * a partial write's remainder is copied into a per-socket queue, reading is
 * paused, and the queue is flushed from `drain`; reading resumes once it is
 * empty. `allowHalfOpen: true` keeps the socket open after the client's FIN
 * until queued echo data is sent; then `shutdown()` half-closes (Bun's `end()`
 * would close the whole socket).
 */
export {}

interface Conn {
  /** Copied chunks waiting for `drain`; null when nothing is queued. */
  queue: Array<Uint8Array> | null
  /** Bytes of queue[0] already sent. */
  offset: number
  /** The client sent FIN: shut down once the queue is empty. */
  peerEnded: boolean
}

interface RawSocket {
  data: Conn
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number
  pause(): void
  resume(): void
  shutdown(): void
}

const args = process.argv.slice(2)
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : fallback
}
const host = arg("--host", "127.0.0.1")
const port = Number(arg("--port", "NaN"))
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("usage: server.ts --port P [--host 127.0.0.1] [--backlog N] [--reuseport]")
  process.exit(2)
}

const copyFrom = (bytes: Uint8Array, start: number): Uint8Array => {
  const copy = new Uint8Array(bytes.length - start)
  copy.set(bytes.subarray(start))
  return copy
}

const Bun_ = (globalThis as any).Bun
let listener: { hostname: string; port: number; stop(closeActive?: boolean): void }
try {
  listener = Bun_.listen({
    hostname: host,
    port,
    allowHalfOpen: true,
    // SO_REUSEPORT: several processes share the port (the way past one process's open-files limit).
    reusePort: args.includes("--reuseport"),
    socket: {
      binaryType: "uint8array",
      open(socket: RawSocket) {
        socket.data = { queue: null, offset: 0, peerEnded: false }
      },
      data(socket: RawSocket, bytes: Uint8Array) {
        const conn = socket.data
        if (conn.queue !== null) {
          // Only reachable between a partial write and the pause taking effect.
          conn.queue.push(copyFrom(bytes, 0))
          return
        }
        const n = socket.write(bytes)
        if (n === bytes.length || n < 0) return
        conn.queue = [copyFrom(bytes, n)]
        conn.offset = 0
        socket.pause()
      },
      drain(socket: RawSocket) {
        const conn = socket.data
        const queue = conn.queue
        if (queue === null) return
        while (queue.length > 0) {
          const chunk = queue[0]!
          const length = chunk.length - conn.offset
          const n = socket.write(chunk, conn.offset, length)
          if (n < 0) return
          if (n < length) {
            conn.offset += n
            return
          }
          queue.shift()
          conn.offset = 0
        }
        conn.queue = null
        if (conn.peerEnded) socket.shutdown()
        else socket.resume()
      },
      end(socket: RawSocket) {
        const conn = socket.data
        conn.peerEnded = true
        if (conn.queue === null) socket.shutdown()
      },
      close() {},
      error() {}
    }
  })
} catch (cause) {
  const code = (cause as { code?: string }).code ?? "UNKNOWN"
  console.error(`bun-raw: cannot listen on ${host}:${port}: ${code} ${(cause as Error).message ?? ""}`)
  process.exit(1)
}

console.log(`bun-raw listening on ${listener.hostname ?? host}:${listener.port}`)

const stop = () => {
  listener.stop(true)
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
