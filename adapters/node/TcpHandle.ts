/**
 * Writing to a socket's TCP handle directly, under node:net's Writable, and
 * taking its reads before node:net's stream code sees them.
 *
 * `socket.write` costs, per call, a WriteWrap, the Writable's bookkeeping
 * (`writeOrBuffer`, `afterWriteDispatched`, a `nextTick` for the callback)
 * and the garbage of all that: in a CPU profile of the echo server it was
 * as much as the write syscall itself. The handle underneath has the same
 * `writeBuffer(req, bytes)` node:net calls: it tries the write at once and
 * reports through `streamBaseState[kLastWriteWasAsync]` whether libuv kept
 * a remainder (then `req.oncomplete(status)` follows, and until then libuv
 * points into `bytes`). The binding with `WriteWrap` and that state is
 * `process.binding("stream_wrap")`, which Node 20 and 24 still allow without
 * `--expose-internals` (with `--pending-deprecation` it prints DEP0111 once).
 *
 * Reads: a handle calls its `onread` with the byte count (or EOF, an errno)
 * in `streamBaseState[kReadBytesOrError]`. node:net's `onread` (its
 * `onStreamRead`) bumps the socket's timeout timer and looks up the user
 * buffer and callback on every read before calling ours; the adapter puts
 * its own `onread` on the handle, which hands data over directly and gives
 * everything else (EOF, errors) to node:net's.
 *
 * Checked once per process; when anything is missing, writes go through
 * `socket.write` and reads through node:net's `onread`, and `writePath` says
 * why. Bun and Deno emulate the binding inside their node:net with other
 * timing, so they keep node:net's paths.
 */
import { constants as osConstants } from "node:os"
import { getSystemErrorName } from "node:util"

/** A TCP handle's write (node's `LibuvStreamWrap.writeBuffer`): 0 or a negative errno. */
export interface WritableHandle {
  writeBuffer(req: WriteRequest, bytes: Uint8Array): number
}

/**
 * A WriteWrap as this adapter uses it: C++ fills `error` on failure and calls
 * `oncomplete` on it when an async write ends; the other fields are ours.
 */
export interface WriteRequest {
  oncomplete: (this: WriteRequest, status: number) => void
  /** What the write belongs to, until it completes. */
  owner: unknown
  /** The bytes libuv points into until completion (kept reachable here). */
  bytes: Uint8Array | undefined
  /** The pooled buffer holding them, when they were copied (returned to the pool on completion). */
  slab: Buffer | undefined
  /** Set by the runtime when the write failed, e.g. a message from OpenSSL; absent for TCP. */
  error?: string
}

/** A ShutdownWrap: C++ calls `oncomplete` on it once libuv has shut the sending side (after queued writes). */
export interface ShutdownRequest {
  oncomplete: (this: ShutdownRequest, status: number) => void
  owner: unknown
}

export interface HandleAccess {
  readonly newRequest: (oncomplete: WriteRequest["oncomplete"]) => WriteRequest
  /** True when the last `writeBuffer` left a remainder queued in libuv. */
  readonly lastWriteWasAsync: () => boolean
  /** The byte count a handle's `onread` was called for, or EOF or an errno (negative). */
  readonly lastRead: () => number
  /** A shutdown request; null when the binding has no ShutdownWrap (then accepted sockets keep net.Socket). */
  readonly newShutdown: ((oncomplete: ShutdownRequest["oncomplete"]) => ShutdownRequest) | null
}

/** libuv's end-of-stream code, as a handle's read reports it. */
export const UV_EOF = -4095
/** libuv's ENOTCONN (negated errno on Unix): node:net takes it from `shutdown` as done at once. */
export const UV_ENOTCONN = -(osConstants.errno.ENOTCONN ?? 107)

interface StreamWrapBinding {
  readonly WriteWrap?: unknown
  readonly streamBaseState?: unknown
  readonly kLastWriteWasAsync?: unknown
  readonly kReadBytesOrError?: unknown
  readonly ShutdownWrap?: unknown
}

const find = (): HandleAccess | string => {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.bun !== undefined) return "Bun's node:net"
  if (versions.deno !== undefined) return "Deno's node:net"
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding
  if (typeof binding !== "function") return "no process.binding"
  let wrap: StreamWrapBinding
  try {
    wrap = binding.call(process, "stream_wrap") as StreamWrapBinding
  } catch {
    return "no stream_wrap binding"
  }
  const { WriteWrap, streamBaseState: state, kLastWriteWasAsync: wroteAsync, kReadBytesOrError: readBytes } = wrap
  if (typeof WriteWrap !== "function") return "no WriteWrap"
  if (!(state instanceof Int32Array)) return "no streamBaseState"
  const inState = (index: unknown): index is number => typeof index === "number" && index >= 0 && index < state.length
  if (!inState(wroteAsync) || !inState(readBytes)) return "no streamBaseState fields"
  const Request = WriteWrap as new () => WriteRequest
  const Shutdown = wrap.ShutdownWrap as (new () => ShutdownRequest) | undefined
  return {
    newRequest: (oncomplete) => {
      const req = new Request()
      req.oncomplete = oncomplete
      req.owner = undefined
      req.bytes = undefined
      req.slab = undefined
      return req
    },
    lastWriteWasAsync: () => state[wroteAsync] !== 0,
    lastRead: () => state[readBytes]!,
    newShutdown:
      typeof Shutdown === "function" && getSystemErrorName(UV_EOF) === "EOF"
        ? (oncomplete) => {
            const req = new Shutdown()
            req.oncomplete = oncomplete
            req.owner = undefined
            return req
          }
        : null
  }
}

const found = find()

/** The binding's parts, or null when writes and reads must go through node:net (see `writePath`). */
export const handleAccess: HandleAccess | null = typeof found === "string" ? null : found

/** How sockets write, for run.json and `serve`'s listening line. */
export const writePath =
  typeof found === "string" ? `net.Socket write (no handle writes: ${found})` : "TCP handle writeBuffer"

/** A socket's handle when it has the native write (a TCP or pipe handle); null otherwise. */
export const writableHandleOf = (handle: unknown): WritableHandle | null =>
  handleAccess !== null && typeof (handle as Partial<WritableHandle> | null)?.writeBuffer === "function"
    ? (handle as WritableHandle)
    : null

/** The error node:net would raise for a failed call (`code` like EPIPE), so the usual mapping applies. */
export const errnoError = (syscall: string, status: number, detail: string | undefined): Error => {
  const code = getSystemErrorName(status)
  return Object.assign(new Error(detail === undefined ? `${syscall} ${code}` : `${syscall} ${code} (${detail})`), {
    errno: status,
    code,
    syscall
  })
}
