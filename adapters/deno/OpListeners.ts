/**
 * The `Deno.listen` accept side of the `Deno.Conn` path (OpSocket.ts).
 *
 * A Deno listener has one accept op at a time, and while thousands of reads and writes complete, the event
 * loop completes it seldom (seconds apart at 10,000 × 512 KiB), so one accept queue (4096 at the usual
 * somaxconn) fills and the kernel drops handshakes (TcpExt ListenOverflows): those clients retransmit with
 * backoff and stall. On Linux the server opens `ACCEPT_QUEUES` listeners on one port with SO_REUSEPORT
 * (unstable in Deno 2: `--unstable-net`), each with its own queue and accept loop, so the queues hold every
 * connection of a cell; without the flag, one listener.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ListenOptions } from "../../src/transport/Transport.ts"
import type { TransportError } from "../../src/transport/TransportError.ts"
import { handOver } from "./AcceptedSocket.ts"
import { type ConnIo, type OpSocket, socketOf, toTransportError } from "./OpSocket.ts"

/** Errors on which the accept loop stops: the listener was closed. */
const isListenerClosed = (cause: unknown): boolean =>
  cause instanceof Deno.errors.BadResource || cause instanceof Deno.errors.Interrupted

/**
 * Listeners (each an accept queue of up to somaxconn and an accept loop) one server opens on Linux:
 * 8 × 4096 holds the 32,768 connections of the largest cell even while the event loop accepts none.
 */
export const ACCEPT_QUEUES = 8

interface ListenerState {
  readonly listeners: ReadonlyArray<Deno.TcpListener>
  readonly sockets: Set<OpSocket>
  closed: boolean
}

const closeListeners = (listeners: ReadonlyArray<Deno.TcpListener>): void => {
  for (const listener of listeners) {
    try {
      listener.close()
    } catch {
      /* already closed */
    }
  }
}

const tcpListen = (options: ListenOptions, port: number, reusePort: boolean): Deno.TcpListener =>
  Deno.listen({
    hostname: options.host,
    port,
    tcpBacklog: options.backlog,
    // Unstable in Deno 2: needs --unstable-net, or Deno.listen throws saying so.
    ...(reusePort ? { reusePort: true } : {}),
    transport: "tcp"
  })

/**
 * Whether `--unstable-net` is on: Deno exits (code 70) rather than throws when `reusePort` is asked without
 * it, so it is told by `Deno.listenDatagram`, which the same flag adds to the namespace.
 */
const unstableNet = (): boolean => typeof (Deno as unknown as Record<string, unknown>).listenDatagram === "function"

/**
 * `ACCEPT_QUEUES` listeners sharing one port where SO_REUSEPORT is there (Linux, `--unstable-net`),
 * else the one listener: the server then accepts as a plain Deno server does.
 */
const openListeners = (options: ListenOptions): ReadonlyArray<Deno.TcpListener> => {
  if (Deno.build.os !== "linux" || !unstableNet()) return [tcpListen(options, options.port, options.reusePort === true)]
  // A port in use by another server must still fail as in use, not be shared: a plain bind finds out.
  if (options.reusePort !== true && options.port !== 0) tcpListen(options, options.port, false).close()
  const listeners = [tcpListen(options, options.port, true)]
  try {
    while (listeners.length < ACCEPT_QUEUES) listeners.push(tcpListen(options, listeners[0]!.addr.port, true))
  } catch (cause) {
    closeListeners(listeners)
    throw cause
  }
  return listeners
}

const startAcceptLoop = (
  listener: Deno.TcpListener,
  state: ListenerState,
  options: ListenOptions,
  io: ConnIo,
  address: string
) => {
  let backoffMs = 0
  let reported = false
  const next = (): void => {
    if (!state.closed) listener.accept().then(onConn, onFail)
  }
  const onConn = (conn: Deno.TcpConn): void => {
    backoffMs = 0
    if (state.closed) {
      try {
        conn.close()
      } catch {
        /* already closed */
      }
      return
    }
    // The next accept op goes out before this socket's first read: an op that finds its socket ready
    // completes at once only while the event loop's turn has I/O budget left (see ACCEPT_QUEUES).
    next()
    const socket = socketOf(conn, io, state.sockets)
    state.sockets.add(socket)
    handOver(socket, options.onAccept)
  }
  const onFail = (cause: unknown): void => {
    if (state.closed || isListenerClosed(cause)) return
    // EMFILE/ENFILE or a connection aborted before accept: keep accepting, with backoff.
    if (!reported) {
      reported = true
      // biome-ignore lint/suspicious/noConsole: the one place a server under test can say why it stopped accepting
      console.error(`deno transport: accept failed, retrying: ${toTransportError(address, cause).message}`)
    }
    backoffMs = Math.min(1000, backoffMs === 0 ? 5 : backoffMs * 2)
    setTimeout(next, backoffMs)
  }
  next()
}

/**
 * Listens with `Deno.listen`; closing the scope closes the listeners and every accepted socket.
 * `effectiveBacklog` is left to the caller (it reads somaxconn for both paths).
 */
export const listenOps = (
  options: ListenOptions,
  io: ConnIo
): Effect.Effect<
  { readonly address: { host: string; port: number }; readonly acceptQueues: number },
  TransportError,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.try({
      try: (): ListenerState => ({ listeners: openListeners(options), sockets: new Set(), closed: false }),
      catch: (cause) => toTransportError(`${options.host}:${options.port}`, cause)
    }),
    (state) =>
      Effect.sync(() => {
        state.closed = true
        closeListeners(state.listeners)
        for (const socket of Array.from(state.sockets)) socket.destroy()
      })
  ).pipe(
    Effect.map((state) => {
      const addr = state.listeners[0]!.addr
      const address = { host: addr.hostname, port: addr.port }
      for (const listener of state.listeners)
        startAcceptLoop(listener, state, options, io, `${address.host}:${address.port}`)
      return { address, acceptQueues: state.listeners.length }
    })
  )
