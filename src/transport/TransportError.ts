/**
 * Typed socket errors shared by every adapter. Adapters map their runtime's
 * native error (errno code, Deno error class, Bun error) onto these with
 * `fromErrorCode`, so the core never inspects runtime-specific error shapes.
 */
import * as Data from "effect/Data"

/** @category errors */
export class ConnectionRefused extends Data.TaggedError("ConnectionRefused")<{
  readonly address: string
  readonly cause?: unknown
}> {
  override get message() {
    return `connection refused by ${this.address}: is the server running on that port?`
  }
}

/** @category errors */
export class ConnectionReset extends Data.TaggedError("ConnectionReset")<{
  readonly address: string
  readonly cause?: unknown
}> {
  override get message() {
    return `connection reset by ${this.address}`
  }
}

/**
 * Our connect timeout ran out (`timeoutMs`), or the kernel gave up on the
 * peer (ETIMEDOUT, no `timeoutMs`: its own retransmission limit, not ours).
 *
 * @category errors
 */
export class ConnectTimeout extends Data.TaggedError("ConnectTimeout")<{
  readonly address: string
  readonly timeoutMs?: number
}> {
  override get message() {
    return this.timeoutMs === undefined
      ? `connection to ${this.address} timed out in the kernel (ETIMEDOUT: no answer from the peer): check that the server is reachable and its accept queue not full`
      : `connecting to ${this.address} took longer than ${this.timeoutMs} ms: raise --connect-timeout or lower --connect-concurrency`
  }
}

/** @category errors */
export class AddressInUse extends Data.TaggedError("AddressInUse")<{
  readonly address: string
  readonly cause?: unknown
}> {
  override get message() {
    return `address ${this.address} is already in use: pick another --port or stop the process holding it`
  }
}

/** @category errors */
export class TooManyOpenFiles extends Data.TaggedError("TooManyOpenFiles")<{
  readonly address: string
  readonly cause?: unknown
}> {
  override get message() {
    return `too many open files while using ${this.address}: raise the limit with \`ulimit -n <n>\` (up to the hard limit, \`ulimit -Hn\`) or use fewer connections`
  }
}

/** Any other socket failure; `code` keeps the runtime's errno name when it has one. */
export class SocketFailure extends Data.TaggedError("SocketFailure")<{
  readonly address: string
  readonly code: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message() {
    return `socket error on ${this.address}: ${this.code} ${this.detail}`
  }
}

/** The runtime cannot set SO_REUSEPORT on a listener. */
export class ReusePortUnsupported extends Data.TaggedError("ReusePortUnsupported")<{
  readonly address: string
  readonly runtime: string
  readonly fix: string
}> {
  override get message() {
    return `cannot share ${this.address} with other processes: ${this.runtime} has no SO_REUSEPORT on listeners; ${this.fix}`
  }
}

/** @category models */
export type TransportError =
  | ConnectionRefused
  | ConnectionReset
  | ConnectTimeout
  | AddressInUse
  | TooManyOpenFiles
  | SocketFailure
  | ReusePortUnsupported

/**
 * Classifies an errno-style code (`ECONNREFUSED`, `EADDRINUSE`, …). Deno and
 * Bun both expose such codes on their errors, as node:net does.
 */
export const fromErrorCode = (address: string, code: string | undefined, cause: unknown): TransportError => {
  switch (code) {
    case "ECONNREFUSED":
      return new ConnectionRefused({ address, cause })
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      return new ConnectionReset({ address, cause })
    case "ETIMEDOUT":
      return new ConnectTimeout({ address })
    case "EADDRINUSE":
      return new AddressInUse({ address, cause })
    case "EMFILE":
    case "ENFILE":
      return new TooManyOpenFiles({ address, cause })
    default:
      return new SocketFailure({
        address,
        code: code ?? "UNKNOWN",
        detail: cause instanceof Error ? cause.message : String(cause),
        cause
      })
  }
}

/** Reads `code` from whatever a runtime threw, without knowing its class. */
export const errorCodeOf = (cause: unknown): string | undefined => {
  if (typeof cause === "object" && cause !== null && "code" in cause) {
    const code = (cause as { code: unknown }).code
    return typeof code === "string" ? code : undefined
  }
  return undefined
}
