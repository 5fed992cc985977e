/**
 * The contract every runtime adapter provides. It is deliberately callback
 * shaped: the per-chunk path (read → verify/echo → write) must not build,
 * fork or resume an Effect value, so sockets expose plain synchronous
 * handlers. Effect owns the lifecycle around them: `listen` is a scoped
 * resource, `connect` an interruptible effect.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { TransportError } from "./TransportError.ts"

/** @category models */
export type RuntimeName = "node" | "deno" | "bun"

/** @category models */
export const runtimeNames: ReadonlyArray<RuntimeName> = ["node", "deno", "bun"]

/** @category models */
export interface SocketAddress {
  readonly host: string
  readonly port: number
}

/**
 * Handlers an owner installs on a socket. Every callback runs synchronously
 * on the runtime's event loop.
 *
 * @category models
 */
export interface SocketHandlers {
  /**
   * Bytes arrived. The view is valid only until the handler returns, with one
   * exception: if the handler passes it to `write`, the adapter keeps it
   * intact until that write is flushed (an adapter that reuses its read
   * buffer must not read into it again before then, or must copy).
   */
  readonly onData: (bytes: Uint8Array) => void
  /** Everything `write` queued has reached the kernel. */
  readonly onDrain: () => void
  /** The peer closed its sending side (EOF). */
  readonly onEnd: () => void
  /** A socket error; `onClose` follows. */
  readonly onError: (error: TransportError) => void
  /** The socket is closed; called exactly once, last. */
  readonly onClose: () => void
}

/** @category models */
export interface Socket {
  /**
   * Sends bytes. Returns true when the kernel took all of them, false when
   * some were queued, in which case `onDrain` is called once they are sent.
   * The caller must not change `bytes` afterwards (the flood client sends
   * views of an immutable pattern; the echo server sends what it received).
   */
  readonly write: (bytes: Uint8Array) => boolean
  /**
   * `write(source.subarray(start, start + length))` without making the view, where the runtime's write
   * takes an offset and a length (Bun's does); absent elsewhere, and callers then write a view.
   */
  readonly writeRange?: (source: Uint8Array, start: number, length: number) => boolean
  /** Stop delivering `onData` until `resume` (read backpressure). */
  readonly pause: () => void
  readonly resume: () => void
  /** Half-close after queued writes are flushed. */
  readonly end: () => void
  /** Close now, dropping queued writes. */
  readonly destroy: () => void
  readonly setNoDelay: (noDelay: boolean) => void
}

/** @category models */
export interface ListenOptions {
  readonly host: string
  readonly port: number
  /** Requested backlog; some runtimes cap it (see each adapter's header). */
  readonly backlog: number
  /**
   * Set SO_REUSEPORT so several processes share the port; an adapter whose
   * runtime cannot fails with ReusePortUnsupported.
   */
  readonly reusePort?: boolean
  /** Called for each accepted socket; returns the handlers to install. */
  readonly onAccept: (socket: Socket) => SocketHandlers
}

/** @category models */
export interface Listening {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: SocketAddress
  /** The backlog the runtime really uses, when it is known to differ. */
  readonly effectiveBacklog: number
  /** How accepted sockets read, when it differs from `RuntimeInfo.readPath` (node:net's internal `onread` or `data` events). */
  readonly readPath?: string
  /** How accepted sockets write, when it differs from `RuntimeInfo.writePath` (Node: the TCP handle or node:net). */
  readonly writePath?: string
  /** Listening sockets sharing the port in this process (SO_REUSEPORT), each with its own accept queue; 1 when absent. */
  readonly acceptQueues?: number
}

/** @category models */
export interface ConnectOptions {
  readonly host: string
  readonly port: number
  readonly timeoutMs: number
  /** Disable Nagle on the new socket. */
  readonly noDelay: boolean
  /** Source address to bind before connecting (Node only; the others ignore it, so callers check the runtime). */
  readonly localAddress?: string
  readonly handlers: (socket: Socket) => SocketHandlers
}

/** @category models */
export interface RuntimeInfo {
  readonly name: RuntimeName
  readonly version: string
  /** How this runtime's sockets read and write (e.g. Deno's core ops or its public wrappers), for run.json. */
  readonly readPath?: string
  /** How this runtime's sockets write, when the adapter chooses between paths (Node: the TCP handle or node:net). */
  readonly writePath?: string
}

/**
 * What an adapter provides.
 *
 * @category tags
 */
export class Transport extends Context.Tag("echoflood/Transport")<
  Transport,
  {
    readonly runtime: RuntimeInfo
    /** Bind and listen; closing the scope stops accepting and closes every accepted socket. */
    readonly listen: (options: ListenOptions) => Effect.Effect<Listening, TransportError, Scope.Scope>
    /**
     * Open one connection. Callback shaped because a flood opens thousands and
     * the engine bounds how many are in flight itself; the callback runs once,
     * with an error or with the connected socket (whose handlers are already installed).
     */
    readonly connect: (
      options: ConnectOptions,
      done: (error: TransportError | undefined, socket: Socket | undefined) => void
    ) => void
    /** Byte-wise equality using the runtime's native compare (memcmp speed). */
    readonly equalBytes: (a: Uint8Array, b: Uint8Array) => boolean
    /**
     * Whether `bytes` equals `source[start, start + bytes.length)`, with the native compare and no view
     * of `source` made: the flood client checks every read against the pattern this way. The range must
     * lie within `source`.
     */
    readonly equalRange: (bytes: Uint8Array, source: Uint8Array, start: number) => boolean
  }
>() {}
