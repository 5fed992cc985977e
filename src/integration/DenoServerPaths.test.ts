/**
 * Our Deno server on each of its socket layers: the native TCP handles (the default), `Deno.listen` with
 * the core ops (`ECHOFLOOD_DENO_OPS=1`) and with the public `conn.read`/`conn.write`
 * (`ECHOFLOOD_DENO_PUBLIC_API=1`). Each must say which one it runs and echo every byte, also with several
 * chunks in flight per connection, and to clients that read nothing for 2 s while each sends 4 MiB: the kernel
 * then takes their echoes only in part, and what the server queued must survive other sockets' reads.
 */
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { entryArgv } from "../targets/Runtimes.ts"
import { startServer } from "../targets/ServerProcess.ts"
import { nodeLive } from "../testing/Live.ts"
import { parseReport, runCli, stderrBeyondBusyWarning } from "./Harness.ts"

const paths = [
  { env: {}, readPath: "native TCP handles" },
  { env: { ECHOFLOOD_DENO_OPS: "1" }, readPath: "core ops" },
  { env: { ECHOFLOOD_DENO_PUBLIC_API: "1" }, readPath: "Deno.Conn read/write" }
] as const

const floods = [
  ["--connections", "100", "--bytes", "2097152"],
  ["--connections", "20", "--bytes", "1048576", "--chunk", "65536", "--window", "524288"]
] as const

/** One flood with the Node client; every byte must come back. */
const flood = (port: number) => (args: (typeof floods)[number]) =>
  Effect.gen(function* () {
    const run = yield* runCli("node", ["flood", "--port", String(port), ...args, "--json"])
    expect(stderrBeyondBusyWarning(run.stderr)).toBe("")
    expect(run.exitCode).toBe(0)
    const report = parseReport(run.stdout)
    expect(report.ok).toBe(true)
    expect(report.bytesVerified).toBe(Number(args[1]) * Number(args[3]))
  })

/** Sends `data` at once, reads nothing for `quietMs`, then everything: resolves with what came back. */
const echoToLateReader = (port: number, data: Buffer, quietMs: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => {
      socket.pause()
      for (let at = 0; at < data.length; at += 65536) socket.write(data.subarray(at, at + 65536))
      socket.end()
      setTimeout(() => socket.resume(), quietMs)
    })
    socket.on("data", (bytes: Buffer) => chunks.push(bytes))
    socket.on("end", () => {
      socket.destroy()
      resolve(Buffer.concat(chunks))
    })
    socket.on("error", reject)
  })

describe("the Deno server on each socket layer", () => {
  for (const path of paths) {
    it.live(
      `${path.readPath}${Object.keys(path.env).length === 0 ? " (default)" : ` (${Object.keys(path.env)[0]}=1)`}`,
      () =>
        Effect.gen(function* () {
          const argv = yield* entryArgv("deno", ["serve", "--port", "0"])
          const echo = yield* startServer({ name: "deno serve", argv, env: path.env, readyTimeout: "60 seconds" })
          expect(echo.readPath).toContain(path.readPath)
          // Clients that read nothing for 2 s while the first flood runs: bytes the server queued for them must
          // survive the flood's reads meanwhile.
          const sent = Array.from({ length: 4 }, () => randomBytes(4 * 1024 * 1024))
          const late = Effect.promise(() => Promise.all(sent.map((data) => echoToLateReader(echo.port, data, 2000))))
          const [echoed] = yield* Effect.all([late, Effect.forEach(floods, flood(echo.port))], { concurrency: 2 })
          for (const [i, data] of sent.entries()) {
            expect(echoed[i]!.length).toBe(data.length)
            expect(echoed[i]!.equals(data)).toBe(true)
          }
        }).pipe(Effect.scoped, Effect.provide(nodeLive)),
      90_000
    )
  }
})
