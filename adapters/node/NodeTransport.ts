/**
 * The transport on `node:net`, gone under its stream layer where Node allows
 * it (`TcpHandle.ts` checks the binding once; Bun and Deno keep node:net's
 * paths). How Node differs:
 *
 * - **Backlog** is what `somaxconn` allows. `allowHalfOpen` is on, so the
 *   peer's EOF reaches the owner, who decides when to end its own side.
 * - **Accepted connections are bare TCP handles** (`HandleConn.ts`): the
 *   listener's `onconnection` takes each accepted handle before node:net
 *   wraps it in a Socket, whose Duplex, listeners and multi-tick close were
 *   the largest share of the echo server's JS time once reads and writes sat
 *   at the handle, and most of its memory per idle connection (3.6 KiB with
 *   a Socket, 0.7 without, measured at 16,000 connections). Accept
 *   errors, or a binding or handle without what that needs, take node:net's
 *   way: a `NodeConn` over a net.Socket, as client sockets are.
 * - **Reads.** The `data` event hands over a freshly malloc'd Buffer per read,
 *   through a Readable. Here the kernel's bytes land in ONE 64 KiB buffer
 *   shared by every socket (the handle's `useUserBuffer`), and the adapter's
 *   own `onread` on the handle hands them over. Sharing is safe because
 *   callbacks run one at a time; bytes the owner writes back are copied into
 *   a pooled 64 KiB slab, returned once the kernel took them. A net.Socket
 *   gets the buffer through `onread` (public for `net.connect`; node:net's
 *   private `kBuffer`/`kBufferCb` slots for accepted sockets, checked once per
 *   listener, `data` events if missing), and EOF and read errors still go to
 *   node:net's `onread`, which the adapter's replaces for data only.
 * - **Writes** go to the TCP handle's own `writeBuffer` (`HandleWriter.ts`):
 *   node:net's Writable bookkeeping around each write, its WriteWrap and
 *   their garbage cost as much CPU as the syscall. The handle writes what
 *   the kernel takes at once; libuv queues the rest and calls back when it
 *   is sent, and only then does `write` answer false and `onDrain` follow.
 *   Under a net.Socket, node:net never sees these writes, which is safe
 *   because libuv orders them with its own: `end()`'s shutdown runs after
 *   queued writes, `bytesWritten` is the handle's count, a failed write
 *   destroys the socket with the error node:net would raise. Where the
 *   binding is missing (`writePath` in run.json says why), writes go through
 *   `socket.write`, which is never partial either: node:net queues the rest
 *   and answers false for every write of 16 KiB or more, so `write` returns
 *   whether anything is really queued (`writableLength === 0`).
 * - **Per connection** one `HandleConn` or `NodeConn` (prototype methods)
 *   and callbacks shared by all of them: no closure per connection.
 */
import * as net from "node:net"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  type ConnectOptions,
  type Listening,
  type ListenOptions,
  type Socket,
  type SocketHandlers,
  Transport
} from "../../src/transport/Transport.ts"
import {
  ConnectTimeout,
  errorCodeOf,
  fromErrorCode,
  ReusePortUnsupported,
  type TransportError
} from "../../src/transport/TransportError.ts"
import { equalRange } from "../NativeCompare.ts"
import { HandleConn, isAcceptedHandle } from "./HandleConn.ts"
import {
  bytesToWrite,
  copyIfShared,
  type HandleWriter,
  READ_BUFFER_SIZE,
  releaseSlab,
  sharedReadBuffer,
  writeThroughHandle
} from "./HandleWriter.ts"
import { errnoError, handleAccess, type WritableHandle, writableHandleOf, writePath } from "./TcpHandle.ts"

export { asyncHandleWriteCount, READ_BUFFER_SIZE } from "./HandleWriter.ts"

const noop = () => {}
const noHandlers: SocketHandlers = { onData: noop, onDrain: noop, onEnd: noop, onError: noop, onClose: noop }

/** Where a net.Socket keeps its NodeConn. */
const kConn = Symbol("echoflood.NodeConn")
type Tagged = net.Socket & { [kConn]: NodeConn }

/** One socket: the contract's `Socket` over a net.Socket. */
class NodeConn implements Socket, HandleWriter {
  handlers: SocketHandlers = noHandlers
  /** `write` returned false: the owner waits for `onDrain`. */
  drainWanted = false
  /** Slabs holding bytes node:net has queued but not yet written. */
  slabs: Array<Buffer> | undefined = undefined
  /** The owner paused reading (accepted sockets start paused until installed, see `listen`). */
  paused = false
  /** The TCP handle written to directly (see the header); null when writes go through node:net. */
  handle: WritableHandle | null = null
  /** Handle writes libuv has not finished. */
  writesInFlight = 0

  constructor(
    readonly socket: net.Socket,
    readonly address: string,
    /** The listener's set of open sockets (accepted sockets only). */
    readonly owner: Set<Closable> | undefined
  ) {
    ;(socket as Tagged)[kConn] = this
  }

  write(bytes: Uint8Array): boolean {
    return this.handle === null ? this.writeStream(bytes) : this.writeHandle(this.handle, bytes)
  }

  writeHandle(handle: WritableHandle, bytes: Uint8Array): boolean {
    // node:net drops `_handle` when the socket is destroyed; the handle is closing then. Writes are dropped, as node:net drops them.
    if ((this.socket as unknown as { _handle: unknown })._handle !== handle) return true
    return writeThroughHandle(this, handle, bytes)
  }

  isClosed(): boolean {
    return this.socket.destroyed
  }

  /** A handle write failed: node:net's usual error path (`error` with the errno's code, then `close`). */
  fail(status: number, detail: string | undefined): void {
    if (!this.socket.destroyed) this.socket.destroy(errnoError("write", status, detail))
  }

  writeStream(bytes: Uint8Array): boolean {
    const socket = this.socket
    // The next read (of any socket) overwrites the shared buffer: write a copy.
    const slab = copyIfShared(bytes)
    socket.write(bytesToWrite(bytes, slab))
    if (socket.writableLength === 0) {
      if (slab !== undefined) releaseSlab(slab)
      if (this.slabs !== undefined) this.releaseSlabs()
      return true
    }
    if (slab !== undefined) (this.slabs ??= []).push(slab)
    // Queued below the stream's high-water mark: node:net emits no `drain` for it, and buffers it itself.
    if (!socket.writableNeedDrain) return true
    this.drainWanted = true
    return false
  }

  releaseSlabs(): void {
    const slabs = this.slabs!
    this.slabs = undefined
    for (const slab of slabs) releaseSlab(slab)
  }

  pause(): void {
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    this.paused = false
    this.socket.resume()
  }

  end(): void {
    this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }

  setNoDelay(noDelay: boolean): void {
    this.socket.setNoDelay(noDelay)
  }
}

// Listeners shared by every socket: node:net calls them with `this` = the net.Socket.
function onData(this: Tagged, bytes: Buffer): void {
  this[kConn].handlers.onData(bytes)
}
/** node:net's `onread` callback (`this` is the net.Socket there too). */
function onRead(this: Tagged, length: number, buffer: Buffer): boolean {
  this[kConn].handlers.onData(length === buffer.length ? buffer : buffer.subarray(0, length))
  return true // keep reading; the owner pauses through `pause`
}
function onDrain(this: Tagged): void {
  const conn = this[kConn]
  if (conn.slabs !== undefined && this.writableLength === 0) conn.releaseSlabs()
  if (!conn.drainWanted) return
  conn.drainWanted = false
  conn.handlers.onDrain()
}
function onEnd(this: Tagged): void {
  this[kConn].handlers.onEnd()
}
function onError(this: Tagged, error: Error): void {
  const conn = this[kConn]
  conn.handlers.onError(fromErrorCode(conn.address, errorCodeOf(error), error))
}
function onClose(this: Tagged): void {
  const conn = this[kConn]
  // Slabs of a closed socket may still be referenced by cancelled writes: leave them to the GC.
  conn.slabs = undefined
  conn.owner?.delete(this)
  conn.handlers.onClose()
}

/** A TCP handle as node:net set it up: its `onread` is node:net's `onStreamRead`. */
interface ReadingHandle {
  onread: (this: ReadingHandle, arrayBuffer: unknown) => unknown
  [kConn]: NodeConn
}
/** node:net's `onread`, found on the first handle; EOF and read errors still go to it. */
let streamRead: ReadingHandle["onread"] | undefined

/** The handle read into the shared buffer (`this` is the handle; the return value would replace its buffer). */
function onHandleRead(this: ReadingHandle, arrayBuffer: unknown): unknown {
  const length = handleAccess!.lastRead()
  if (length <= 0) return streamRead!.call(this, arrayBuffer)
  const conn = this[kConn]
  if (conn.socket.destroyed) return undefined
  const buffer = sharedReadBuffer()
  conn.handlers.onData(length === READ_BUFFER_SIZE ? buffer : buffer.subarray(0, length))
  return undefined
}

/**
 * Writes go to the socket's handle from now on, and reads come from it when
 * they land in the shared buffer, where the handle has what that needs (see the header).
 */
const useHandle = (conn: NodeConn, sharedBuffer: boolean): void => {
  const handle = (conn.socket as unknown as { _handle: unknown })._handle
  conn.handle = writableHandleOf(handle)
  if (!sharedBuffer || conn.handle === null) return
  const reading = handle as ReadingHandle
  streamRead ??= reading.onread
  // Another handle kind, or node:net's reading changed: leave its `onread` alone.
  if (typeof reading.onread !== "function" || reading.onread !== streamRead) return
  reading[kConn] = conn
  reading.onread = onHandleRead
}

const install = (socket: net.Socket, conn: NodeConn, handlers: SocketHandlers, data: boolean): void => {
  conn.handlers = handlers
  if (data) socket.on("data", onData)
  // node:net queues nothing of handle writes, so it never emits `drain` for them.
  if (conn.handle === null) socket.on("drain", onDrain)
  socket.on("end", onEnd)
  socket.on("error", onError)
  socket.on("close", onClose)
}

/** node:net's private slots for `onread`, found by name; null when this Node lacks one of them. */
interface OnreadSlots {
  readonly buffer: symbol
  readonly callback: symbol
}
let onreadSlots: OnreadSlots | null = null

/**
 * The slots the Socket constructor fills from `onread`, checked on a fresh socket and a TCP handle:
 * `kBuffer` and `kBufferCb` take our buffer and callback, and `kBufferGen` must be there and null,
 * because node:net's read path calls it whenever it is not null.
 */
const findOnreadSlots = (socket: net.Socket, handle: unknown): OnreadSlots | null => {
  const symbols = Object.getOwnPropertySymbols(socket)
  const named = (name: string) => symbols.find((s) => s.description === name)
  const buffer = named("kBuffer")
  const callback = named("kBufferCb")
  const generator = named("kBufferGen")
  const slots = socket as unknown as Record<symbol, unknown>
  return buffer !== undefined &&
    callback !== undefined &&
    generator !== undefined &&
    slots[buffer] === null &&
    slots[callback] === null &&
    slots[generator] === null &&
    typeof (handle as { useUserBuffer?: unknown } | null)?.useUserBuffer === "function"
    ? { buffer, callback }
    : null
}

/** How sockets read into the shared buffer: through node:net's `onread` or the adapter's own on the handle. */
const handleReadPath = "TCP handle onread (shared buffer)"

/** How accepted sockets read, for run.json. */
const readPathOf = (slots: OnreadSlots | null): string =>
  slots === null
    ? "data events (internal onread slots not found)"
    : handleAccess === null
      ? "internal onread (shared buffer)"
      : handleReadPath

/** Gives an accepted (still paused) socket the shared read buffer, as `onread` would; false when it cannot. */
const readIntoSharedBuffer = (socket: net.Socket): boolean => {
  if (onreadSlots === null) return false
  const handle = (socket as unknown as { _handle: { useUserBuffer: (buffer: Uint8Array) => void } | null })._handle
  if (handle === null) return false
  const buffer = sharedReadBuffer()
  const slots = socket as unknown as Record<symbol, unknown>
  slots[onreadSlots.buffer] = buffer
  slots[onreadSlots.callback] = onRead
  handle.useUserBuffer(buffer)
  return true
}

/** What the listener closes when it closes: net.Sockets and HandleConns. */
type Closable = { destroy(): void }

/** How accepted sockets read when they are bare handles, for run.json. */
const bareReadPath = "accepted TCP handles without net.Socket (onread into the shared buffer)"

/** The listening handle's accept callback (node:net's `onconnection`, called with `this` = the handle). */
interface ListeningHandle {
  onconnection: (this: unknown, status: number, client: unknown) => unknown
}

/**
 * From now on the listener's accepted handles become HandleConns, without a
 * net.Socket (see HandleConn.ts); false when its handle or the binding lacks
 * what that needs. Accept errors (EMFILE) and other handle kinds still take
 * node:net's way, to the `connection` listener.
 */
const acceptBareHandles = (
  server: net.Server,
  address: string,
  conns: Set<Closable>,
  onAccept: ListenOptions["onAccept"]
): boolean => {
  const listening = (server as unknown as { _handle: Partial<ListeningHandle> | null })._handle
  if (handleAccess?.newShutdown == null || listening == null || typeof listening.onconnection !== "function")
    return false
  const nodeOnConnection = listening.onconnection
  listening.onconnection = function (this: unknown, status: number, client: unknown) {
    if (status !== 0 || !isAcceptedHandle(client)) return nodeOnConnection.call(this, status, client)
    const conn = new HandleConn(client, address, conns)
    conns.add(conn)
    conn.handlers = onAccept(conn)
    conn.startReading()
    return undefined
  }
  return true
}

/** net.Server.listen takes `reusePort` from Node 22.12 and 23.1 on; older versions ignore it silently. */
export const nodeHasReusePort = (version: string): boolean => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number)
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
}

const listen = (options: ListenOptions) =>
  (options.reusePort === true && !nodeHasReusePort(process.version)
    ? Effect.fail(
        new ReusePortUnsupported({
          address: `${options.host}:${options.port}`,
          runtime: `Node ${process.version} (reusePort arrived in 22.12 and 23.1)`,
          fix: "run several processes through node:cluster instead (adapters/node/cluster.ts, as target.json does), or use a newer Node"
        })
      )
    : Effect.void
  ).pipe(Effect.zipRight(listenShared(options)))

const listenShared = (options: ListenOptions) =>
  Effect.acquireRelease(
    Effect.async<{ server: net.Server; sockets: Set<Closable>; listening: Listening }, TransportError>((resume) => {
      const address = `${options.host}:${options.port}`
      const sockets = new Set<Closable>()
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
        sockets.add(socket)
        const conn = new NodeConn(socket, address, sockets)
        const shared = readIntoSharedBuffer(socket)
        useHandle(conn, shared)
        install(socket, conn, options.onAccept(conn), !shared)
        // Reading starts here (pauseOnConnect), unless the owner paused or closed it already.
        if (!socket.destroyed && !conn.paused) socket.resume()
      })
      const onStartError = (error: Error) => resume(Effect.fail(fromErrorCode(address, errorCodeOf(error), error)))
      server.once("error", onStartError)
      const reuse = options.reusePort === true ? { reusePort: true } : {}
      server.listen({ host: options.host, port: options.port, backlog: options.backlog, ...reuse }, () => {
        server.off("error", onStartError)
        // Accept errors (EMFILE) must not crash the process; node:net retries accepting by itself.
        server.on("error", () => {})
        const bound = server.address() as net.AddressInfo
        // Accepted sockets get the listener's kind of handle; checked once, before the first accept is handled.
        onreadSlots = findOnreadSlots(new net.Socket(), (server as unknown as { _handle: unknown })._handle)
        const bare = acceptBareHandles(server, address, sockets, options.onAccept)
        resume(
          Effect.succeed({
            server,
            sockets,
            listening: {
              address: { host: bound.address, port: bound.port },
              effectiveBacklog: options.backlog,
              readPath: bare ? bareReadPath : readPathOf(onreadSlots),
              writePath
            }
          })
        )
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of Array.from(sockets)) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ listening }) => listening))

const connect = (
  options: ConnectOptions,
  done: (error: TransportError | undefined, socket: Socket | undefined) => void
): void => {
  const address = `${options.host}:${options.port}`
  const socket = net.connect({
    host: options.host,
    port: options.port,
    allowHalfOpen: true,
    noDelay: options.noDelay,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    // Reads only start once connected, after the NodeConn below is attached.
    onread: { buffer: sharedReadBuffer(), callback: onRead as (length: number, buffer: Uint8Array) => boolean }
  })
  const conn = new NodeConn(socket, address, undefined)
  let settled = false
  const timer = setTimeout(() => {
    if (settled) return
    settled = true
    socket.destroy()
    done(new ConnectTimeout({ address, timeoutMs: options.timeoutMs }), undefined)
  }, options.timeoutMs)
  const onConnectError = (error: Error) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    done(fromErrorCode(address, errorCodeOf(error), error), undefined)
  }
  socket.once("error", onConnectError)
  socket.once("connect", () => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    socket.off("error", onConnectError)
    // The handle is final only now: connecting may try several, one per address.
    useHandle(conn, true)
    install(socket, conn, options.handlers(conn), false)
    done(undefined, conn)
  })
}

/** @category constructors */
export const make: Transport["Type"] = {
  runtime: {
    name: "node",
    version: process.versions.node,
    readPath: handleAccess === null ? "onread (shared buffer)" : handleReadPath,
    writePath
  },
  listen,
  connect,
  equalBytes: (a, b) => a.length === b.length && Buffer.compare(a, b) === 0,
  equalRange
}

/** @category layers */
export const layer = Layer.succeed(Transport, make)
