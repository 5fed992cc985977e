/**
 * The transport on Deno (no node:net streams). How Deno differs:
 *
 * - **Backlog.** `tcpBacklog` is passed through; Linux caps it at
 *   `net.core.somaxconn`, read from /proc for `effectiveBacklog` when allowed.
 * - **Two socket layers.** `Deno.listen`/`Deno.Conn` are pull-based: every
 *   read and write is an async op with a promise, a pending read pins its
 *   buffer and cannot be withdrawn, and a listener has one accept op at a time
 *   that the event loop completes seldom while thousands of reads and writes
 *   complete (accept freezes of seconds at 10,000 × 512 KiB). Deno 2.9's
 *   node:net runs on a second layer, native libuv-shaped TCP handles: reads
 *   are pushed into a caller's buffer, writes try the kernel at once, and a
 *   listener nudged once a turn accepts up to 128 connections every turn
 *   (HandleSocket.ts, `HandleIo.nudge`). The server uses those handles
 *   where `process.binding` provides them (HandleSocket.ts), else
 *   `Deno.listen` (OpListeners.ts: 8 SO_REUSEPORT accept queues with
 *   `--unstable-net`) and `Deno.Conn` sockets (OpSocket.ts: a 1-byte read per
 *   idle socket, 32 KiB buffers from a budgeted ReadPool.ts). Connects use
 *   `Deno.connect` and OpSocket.
 * - **Ops without the wrappers.** `conn.read`/`conn.write` are async functions
 *   around the runtime's core ops (one more promise, a Set insert/delete and a
 *   microtask per call). Where `Deno[Deno.internal].core.read/write` and the
 *   conn's internal rid exist, OpSockets call the ops directly; otherwise the
 *   public methods. `ECHOFLOOD_DENO_OPS=1` keeps the server on `Deno.listen`
 *   with the core ops, `ECHOFLOOD_DENO_PUBLIC_API=1` on the public methods
 *   (for comparisons). `runtime.readPath` (connects) and `Listening.readPath`
 *   (the server) say which path ran, in run.json.
 * - **Errors** carry errno names in `code` or a class (`Deno.errors.*`), mapped
 *   by `fromErrorCode`; the handles give negative libuv codes, named by
 *   node:util's `getSystemErrorName`. A peer reset usually reads as EOF, then
 *   `EPIPE` on write.
 * - **End.** Shutdown after queued writes; when the peer's EOF is already
 *   read, a close sends the same FIN in one call.
 * - **equalBytes** is node:buffer's native `equals` over the views; **equalRange**
 *   its `compare` with offsets.
 */
import { Buffer } from "node:buffer"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { ConnectOptions, Listening, ListenOptions, Socket, SocketHandlers } from "../../src/transport/Transport.ts"
import { Transport } from "../../src/transport/Transport.ts"
import { ConnectTimeout, type TransportError } from "../../src/transport/TransportError.ts"
import { equalRange } from "../NativeCompare.ts"
import { listenHandles } from "./HandleSocket.ts"
import { findHandles } from "./NativeHandles.ts"
import { listenOps } from "./OpListeners.ts"
import { type ConnIo, findCore, socketOf, toTransportError } from "./OpSocket.ts"
import { ReadPool } from "./ReadPool.ts"

type TransportService = Context.Tag.Service<Transport>

/** Which layer the server's sockets use (see the header); connects always use `Deno.connect`. */
export type DenoServerPath = "handles" | "ops" | "public"

/** Tuning knobs of the Deno transport. */
export interface DenoTransportOptions {
  /** Bytes of a full-size read buffer (Deno.Conn sockets). */
  readonly readBufferSize?: number
  /** Bytes of full-size read buffers the Deno.Conn sockets of this transport hold at once (lent beyond it only when stuck). */
  readonly readBufferBudget?: number
  /**
   * "handles" (default: native TCP handles where present, else core ops), "ops" (Deno.listen and the core
   * ops), "public" (Deno.listen and `conn.read`/`conn.write`, also for connects).
   */
  readonly serverPath?: DenoServerPath
}

export const defaultReadBufferSize = 32 * 1024
/** 8 MiB: 256 sockets read at once; 0.5 KiB per connection at 16,000. */
export const defaultReadBufferBudget = 8 * 1024 * 1024

const readSomaxconn = (): number | undefined => {
  const path = "/proc/sys/net/core/somaxconn"
  try {
    if (Deno.build.os !== "linux") return undefined
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined
    const value = Number.parseInt(Deno.readTextFileSync(path).trim(), 10)
    return Number.isFinite(value) && value > 0 ? value : undefined
  } catch {
    return undefined
  }
}

const HANDLES_READ_PATH = "native TCP handles (onread into a shared buffer, writeBuffer)"

/** Builds the Deno transport service. */
export const makeTransport = (options: DenoTransportOptions = {}): TransportService => {
  const bufferSize = options.readBufferSize ?? defaultReadBufferSize
  const budget = options.readBufferBudget ?? defaultReadBufferBudget
  for (const [name, value] of [
    ["readBufferSize", bufferSize],
    ["readBufferBudget", budget]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  }
  const path = options.serverPath ?? "handles"
  const core = path === "public" ? undefined : findCore()
  const handles = path === "handles" ? findHandles() : undefined
  const io: ConnIo = { core, pool: new ReadPool(bufferSize, Math.max(1, Math.floor(budget / bufferSize))) }
  const opsReadPath = core === undefined ? "Deno.Conn read/write" : "core ops (core.read/core.write)"

  const listen = (options: ListenOptions): Effect.Effect<Listening, TransportError, Scope.Scope> => {
    const somaxconn = readSomaxconn()
    const effectiveBacklog = somaxconn === undefined ? options.backlog : Math.min(options.backlog, somaxconn)
    return handles !== undefined
      ? Effect.map(
          listenHandles(options, handles),
          (address): Listening => ({ address, effectiveBacklog, readPath: HANDLES_READ_PATH })
        )
      : Effect.map(
          listenOps(options, io),
          ({ address, acceptQueues }): Listening => ({ address, effectiveBacklog, acceptQueues, readPath: opsReadPath })
        )
  }

  const connect = (
    options: ConnectOptions,
    done: (error: TransportError | undefined, socket: Socket | undefined) => void
  ): void => {
    const address = `${options.host}:${options.port}`
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let abort: AbortController | undefined
    if (options.timeoutMs > 0 && Number.isFinite(options.timeoutMs)) {
      abort = new AbortController()
      timer = setTimeout(() => {
        if (settled) return
        settled = true
        abort!.abort()
        done(new ConnectTimeout({ address, timeoutMs: options.timeoutMs }), undefined)
      }, options.timeoutMs)
    }
    let pending: Promise<Deno.TcpConn>
    try {
      pending = Deno.connect({
        hostname: options.host,
        port: options.port,
        transport: "tcp",
        ...(abort === undefined ? {} : { signal: abort.signal })
      })
    } catch (cause) {
      pending = Promise.reject(cause)
    }
    pending.then(
      (conn) => {
        if (settled) {
          try {
            conn.close()
          } catch {
            /* already closed */
          }
          return
        }
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        const socket = socketOf(conn, io, null)
        let handlers: SocketHandlers
        try {
          if (options.noDelay) conn.setNoDelay(true)
          handlers = options.handlers(socket)
        } catch (cause) {
          socket.close(undefined)
          done(toTransportError(address, cause), undefined)
          return
        }
        socket.start(handlers)
        done(undefined, socket)
      },
      (cause) => {
        if (settled) return
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        done(toTransportError(address, cause), undefined)
      }
    )
  }

  const equals = Buffer.prototype.equals
  const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
    a.length === b.length && (a.length === 0 || equals.call(a, b))

  return {
    runtime: { name: "deno", version: Deno.version.deno, readPath: opsReadPath },
    listen,
    connect,
    equalBytes,
    equalRange
  }
}

/**
 * `ECHOFLOOD_DENO_PUBLIC_API=1` measures the public `conn.read`/`conn.write` path, `ECHOFLOOD_DENO_OPS=1`
 * the server on `Deno.listen` and the core ops, instead of the native handles.
 */
const serverPathAsked = (): DenoServerPath => {
  try {
    if (Deno.env.get("ECHOFLOOD_DENO_PUBLIC_API") === "1") return "public"
    return Deno.env.get("ECHOFLOOD_DENO_OPS") === "1" ? "ops" : "handles"
  } catch {
    return "handles" // no env permission
  }
}

/** The Deno transport with default tuning. */
export const make: TransportService = makeTransport({ serverPath: serverPathAsked() })

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, make)
