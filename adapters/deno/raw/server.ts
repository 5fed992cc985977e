/**
 * Raw Deno echo server: Deno.listen directly, no Effect, no shared code. The
 * yardstick for what the Effect-core server costs on Deno.
 *
 * One async loop per connection: read into the connection's buffer, write all
 * of it (conn.write may be partial), then read again. At EOF the connection is
 * closed (everything read has been echoed by then).
 *
 *   deno run -A [--unstable-net] server.ts --port P [--host 127.0.0.1] [--backlog N] [--buffer BYTES] [--reuseport]
 *
 * Prints `deno-raw listening on HOST:PORT` (the real port when 0 was asked for)
 * once listening; exits on SIGTERM or SIGINT.
 */

const argValue = (name: string, fallback: string): string => {
  const i = Deno.args.indexOf(name)
  if (i === -1) return fallback
  const value = Deno.args[i + 1]
  if (value === undefined) {
    console.error(`missing value for ${name}`)
    Deno.exit(2)
  }
  return value
}

const toInt = (name: string, text: string, min: number): number => {
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}, got ${text}`)
    Deno.exit(2)
  }
  return value
}

const host = argValue("--host", "127.0.0.1")
const port = toInt("--port", argValue("--port", "0"), 0)
const backlog = toInt("--backlog", argValue("--backlog", "511"), 1)
const bufferSize = toInt("--buffer", argValue("--buffer", String(32 * 1024)), 1)

let listener: Deno.TcpListener
try {
  // reusePort (SO_REUSEPORT, several processes on one port) is unstable in Deno 2: it needs --unstable-net.
  const reuse = Deno.args.includes("--reuseport") ? { reusePort: true } : {}
  listener = Deno.listen({ hostname: host, port, tcpBacklog: backlog, ...reuse, transport: "tcp" })
} catch (error) {
  console.error(`deno-raw: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : error}`)
  Deno.exit(1)
}

const stop = () => {
  try {
    listener.close()
  } catch {
    /* already closed */
  }
  Deno.exit(0)
}
Deno.addSignalListener("SIGTERM", stop)
Deno.addSignalListener("SIGINT", stop)

const echo = async (conn: Deno.TcpConn): Promise<void> => {
  const buf = new Uint8Array(bufferSize)
  try {
    for (;;) {
      const n = await conn.read(buf)
      if (n === null) break
      let off = 0
      while (off < n) off += await conn.write(off === 0 && n === bufferSize ? buf : buf.subarray(off, n))
    }
  } catch {
    // reset or broken pipe: just close
  } finally {
    try {
      conn.close()
    } catch {
      /* already closed */
    }
  }
}

console.log(`deno-raw listening on ${listener.addr.hostname}:${listener.addr.port}`)

for (;;) {
  let conn: Deno.TcpConn
  try {
    conn = await listener.accept()
  } catch (error) {
    if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) break
    // EMFILE and friends: back off briefly and keep accepting
    await new Promise((resolve) => setTimeout(resolve, 10))
    continue
  }
  echo(conn)
}
