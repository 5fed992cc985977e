/**
 * The server path on Deno's native TCP handles: the libuv-shaped layer (`TCPWrap`, Rust) that Deno 2.9's
 * node:net runs on, reached through `process.binding("tcp_wrap")` and `("stream_wrap")`, below node:net's
 * streams. Against `Deno.listen` + `Deno.Conn` (OpListeners.ts, OpSocket.ts):
 *
 * - **Reads are pushed.** `readStart` once; the runtime calls the handle's `onread` whenever bytes arrive,
 *   having read them into ONE 64 KiB buffer shared by every socket (`useUserBuffer`), with the count in
 *   the shared `streamBaseState`. No op and no promise per read, no buffer per socket (an idle socket holds
 *   none). Sharing is safe because callbacks run one at a time.
 * - **Writes** (`writeBuffer`) try the kernel at once (`uv_try_write`) and queue only what it did not
 *   take, calling the request's `oncomplete` later. A queued write keeps pointing at the bytes it was
 *   given, so echoed bytes are first copied from the shared read buffer into a pooled slab. A write the
 *   kernel took whole leaves its request object free for the next write: no allocation per chunk then.
 * - **Accepts.** The runtime accepts when it polls the listening handle, and it polls ready handles in the
 *   order they became ready, within one cooperative budget of tokio per turn: left alone, the listener was
 *   starved for seconds while thousands of sockets were readable. `HandleIo.nudge` puts it first in every
 *   next turn, so it takes up to 128 waiting connections a turn. One listener: 8 SO_REUSEPORT listeners let
 *   every connection in and then starved them (connections stalled at 16,384; src/NOTES.md).
 */
import { getSystemErrorName } from "node:util"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ListenOptions, Socket, SocketAddress, SocketHandlers } from "../../src/transport/Transport.ts"
import { fromErrorCode, type TransportError } from "../../src/transport/TransportError.ts"
import { handOver } from "./AcceptedSocket.ts"
import type { Handles, TcpHandle } from "./NativeHandles.ts"

/** A handle whose owner is one of these sockets. */
type Handle = TcpHandle<HandleSocket>

/** libuv's end of stream. */
const UV_EOF = -4095
/** Bytes of the read buffer shared by every socket (node:net's default read size). */
export const SHARED_READ_BUFFER_SIZE = 64 * 1024
/** Slabs kept for reuse; more idle ones are left to the GC. */
const MAX_IDLE_SLABS = 64

/** The name of a (negative) libuv error code, e.g. ECONNRESET. */
const uvName = (code: number): string => {
  try {
    return getSystemErrorName(code)
  } catch {
    return `uv error ${code}`
  }
}

const uvError = (address: string, code: number): TransportError => {
  const name = uvName(code)
  return fromErrorCode(address, name, Object.assign(new Error(`${name} (${address})`), { code: name }))
}

/** The state every socket of this process shares: the read buffer, the slabs, a spare write request. */
class HandleIo {
  readonly readBuffer = new Uint8Array(SHARED_READ_BUFFER_SIZE)
  private readonly slabs: Array<Uint8Array> = []
  /** A write request no write holds (the kernel took the last one whole). */
  spare: WriteReq | null = null
  /** Listening handles and the backlog each was opened with (see `nudge`). */
  readonly servers = new Map<Handle, number>()
  /** A `relisten` is queued for the end of this turn. */
  private nudged = false
  private readonly relisten = (): void => {
    this.nudged = false
    for (const [server, backlog] of this.servers) server.listen(backlog)
  }

  constructor(readonly handles: Handles) {}

  /**
   * Puts every listener at the head of the queue of handles the runtime polls next turn (called on each
   * read; acts once a turn). The runtime polls ready handles in the order they became ready, all within
   * one cooperative budget of tokio (128 readiness checks) per turn: a read goes on when the budget is
   * spent, an accept does not, and a starved handle is queued again behind every socket that became
   * readable meanwhile. With hundreds of sockets readable per turn the listener never reached the head:
   * no accept for seconds while its queue overflowed. `listen` again on a listening handle changes
   * nothing but marks it ready (uv_compat's `uv_listen`); done from a microtask, which runs after the
   * turn's handles were polled, it queues the listener ahead of the sockets the reactor wakes next, so a
   * turn accepts up to 128 connections.
   */
  nudge(): void {
    if (this.nudged) return
    this.nudged = true
    queueMicrotask(this.relisten)
  }

  /** `bytes` in a slab of their own, or `bytes` itself when they do not view the shared read buffer. */
  own(bytes: Uint8Array, req: WriteReq): Uint8Array {
    if (bytes.buffer !== this.readBuffer.buffer) return bytes
    const slab = this.slabs.pop() ?? new Uint8Array(SHARED_READ_BUFFER_SIZE)
    slab.set(bytes)
    req.slab = slab
    return bytes.length === slab.length ? slab : slab.subarray(0, bytes.length)
  }

  /** The request's write is done (or failed): its slab can take other bytes. */
  free(req: WriteReq): void {
    const slab = req.slab
    req.socket = null
    req.bytes = null
    req.slab = null
    if (slab !== null && this.slabs.length < MAX_IDLE_SLABS) this.slabs.push(slab)
  }
}

/** A write the runtime may hold (`req.bytes` keeps its bytes alive); `oncomplete` is what it calls. */
class WriteReq {
  socket: HandleSocket | null = null
  bytes: Uint8Array | null = null
  slab: Uint8Array | null = null

  oncomplete(status: number): void {
    const socket = this.socket!
    socket.io.free(this)
    socket.written(status)
  }
}

class ShutdownReq {
  constructor(readonly socket: HandleSocket) {}

  oncomplete(status: number): void {
    this.socket.shutDown(status)
  }
}

const ignoreHandlers: SocketHandlers = {
  onData: () => {},
  onDrain: () => {},
  onEnd: () => {},
  onError: () => {},
  onClose: () => {}
}

/** The handle's `onread` (`this` is the handle): the count, or an error / EOF, is in `streamBaseState`. */
function onRead(this: Handle): void {
  const socket = this.owner
  if (socket === undefined || socket.closed) return
  const io = socket.io
  const n = io.handles.state[io.handles.readBytesOrError]!
  const buf = io.readBuffer
  io.nudge()
  if (n > 0) socket.h.onData(n === buf.length ? buf : buf.subarray(0, n))
  else if (n < 0) socket.readFailed(n)
}

/** One accepted socket on a native handle. */
class HandleSocket implements Socket {
  h: SocketHandlers = ignoreHandlers
  /** Writes the kernel did not take at once and the runtime has not completed. */
  private queued = 0
  private drainWanted = false
  private paused = false
  private ending = false
  private writeShut = false
  private writeClosed = false
  private readEnded = false
  closed = false

  constructor(
    readonly handle: Handle,
    readonly io: HandleIo,
    private readonly owner: Set<HandleSocket>
  ) {}

  start(handlers: SocketHandlers): void {
    this.h = handlers
    if (!this.paused && !this.closed) this.handle.readStart()
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ending) return false
    if (bytes.length === 0) return this.queued === 0
    const io = this.io
    const req = io.spare ?? new WriteReq()
    io.spare = null
    const data = io.own(bytes, req)
    req.socket = this
    req.bytes = data
    const err = this.handle.writeBuffer(req, data)
    if (err !== 0 || io.handles.state[io.handles.lastWriteWasAsync] === 0) {
      io.free(req)
      io.spare = req
      if (err !== 0) this.close(uvError(this.address(), err))
      return err === 0 && this.queued === 0
    }
    this.queued++
    this.drainWanted = true
    return false
  }

  /** A queued write completed. */
  written(status: number): void {
    this.queued--
    if (this.closed) return
    if (status < 0) {
      this.close(uvError(this.address(), status))
      return
    }
    if (this.queued !== 0) return
    if (this.ending) {
      this.shutdown()
      if (this.closed) return
    }
    if (this.drainWanted) {
      this.drainWanted = false
      this.h.onDrain()
    }
  }

  pause(): void {
    if (this.paused) return
    this.paused = true
    if (!this.closed && !this.readEnded) this.handle.readStop()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    if (!this.closed && !this.readEnded) this.handle.readStart()
  }

  end(): void {
    if (this.closed || this.ending) return
    this.ending = true
    if (this.queued === 0) this.shutdown()
  }

  destroy(): void {
    this.close(undefined)
  }

  setNoDelay(noDelay: boolean): void {
    if (!this.closed) this.handle.setNoDelay(noDelay)
  }

  readFailed(code: number): void {
    if (code !== UV_EOF) {
      this.close(uvError(this.address(), code))
      return
    }
    this.readEnded = true
    this.handle.readStop()
    this.h.onEnd()
    this.maybeFinish()
  }

  private shutdown(): void {
    if (this.writeShut) return
    this.writeShut = true
    if (this.readEnded) {
      // The peer's EOF is read, so nothing is left unread and closing sends a FIN, as shutdown would.
      this.writeClosed = true
      this.close(undefined)
      return
    }
    const err = this.handle.shutdown(new ShutdownReq(this))
    if (err !== 0) this.close(uvError(this.address(), err))
  }

  /** The write side's shutdown completed. */
  shutDown(status: number): void {
    if (this.closed) return
    if (status < 0) {
      this.close(uvError(this.address(), status))
      return
    }
    this.writeClosed = true
    this.maybeFinish()
  }

  private maybeFinish(): void {
    if (this.readEnded && this.writeClosed) this.close(undefined)
  }

  /** The peer's address, for error messages only (a native call, so not kept per connection). */
  private address(): string {
    const out: { address?: string; port?: number } = {}
    return this.handle.getpeername(out) === 0 ? `${out.address}:${out.port}` : "peer"
  }

  close(error: TransportError | undefined): void {
    if (this.closed) return
    this.closed = true
    this.handle.close() // stops reading; queued writes complete with an error, ignored above
    this.owner.delete(this)
    const h = this.h
    if (error !== undefined) h.onError(error)
    h.onClose()
  }
}

interface ServerState {
  readonly server: Handle
  readonly sockets: Set<HandleSocket>
  closed: boolean
}

let sharedIo: HandleIo | undefined

const openServer = (options: ListenOptions, handles: Handles): ServerState => {
  const io = (sharedIo ??= new HandleIo(handles))
  const server = new handles.TCP(handles.serverType) as Handle
  const state: ServerState = { server, sockets: new Set(), closed: false }
  const address = `${options.host}:${options.port}`
  let reported = false
  server.onconnection = (status, client) => {
    if (status !== 0 || client === undefined) {
      // EMFILE/ENFILE or a connection aborted before accept: the runtime keeps accepting.
      if (!reported && !state.closed) {
        reported = true
        // biome-ignore lint/suspicious/noConsole: the one place a server under test can say why it stopped accepting
        console.error(`deno transport: accept failed, retrying: ${uvError(address, status).message}`)
      }
      return
    }
    if (state.closed) {
      client.close()
      return
    }
    const socket = new HandleSocket(client, io, state.sockets)
    client.owner = socket
    client.onread = onRead
    client.useUserBuffer(io.readBuffer)
    state.sockets.add(socket)
    handOver(socket, options.onAccept)
  }
  handles.setupListenWrap(server)
  const flags = options.reusePort === true ? handles.reusePortFlag : 0
  let err = options.host.includes(":")
    ? server.bind6(options.host, options.port, flags)
    : server.bindWithFlags(options.host, options.port, flags)
  if (err === 0) err = server.listen(options.backlog)
  if (err !== 0) {
    server.close()
    throw uvError(address, err)
  }
  io.servers.set(server, options.backlog)
  return state
}

/** Listens on a native handle; closing the scope closes it and every accepted socket. */
export const listenHandles = (
  options: ListenOptions,
  handles: Handles
): Effect.Effect<SocketAddress, TransportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => openServer(options, handles),
      catch: (cause) =>
        typeof cause === "object" && cause !== null && "_tag" in cause
          ? (cause as TransportError)
          : fromErrorCode(`${options.host}:${options.port}`, undefined, cause)
    }),
    (state) =>
      Effect.sync(() => {
        state.closed = true
        sharedIo?.servers.delete(state.server)
        state.server.close()
        for (const socket of Array.from(state.sockets)) socket.destroy()
      })
  ).pipe(
    Effect.map((state): SocketAddress => {
      const out: { address?: string; port?: number } = {}
      state.server.getsockname(out)
      return { host: out.address ?? options.host, port: out.port ?? options.port }
    })
  )
