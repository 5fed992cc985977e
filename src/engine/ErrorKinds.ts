/**
 * Why a connection failed, written once for every policy on the engine
 * (flood, saturation, probe): the kinds, the detail kept for the first few
 * failures, the mismatch messages, and the log that counts them.
 */
import * as Schema from "effect/Schema"
import type { Mismatch } from "../protocol/Verifier.ts"
import type { TransportError } from "../transport/TransportError.ts"

/** Why a connection failed. */
export const ErrorKind = Schema.Literal(
  /** Received bytes differ from the pattern (a flipped or replaced byte). */
  "corrupted",
  /** The stream skipped bytes: what follows matches the pattern further on. */
  "missing-bytes",
  /** The stream has bytes inserted: what follows matches the pattern earlier on. */
  "extra-bytes",
  /** Bytes arrived after the last expected one, before the server's EOF (same read or later). */
  "excess",
  /** The server closed the connection before echoing everything. */
  "truncated",
  /** No byte arrived on the connection for the stall timeout (or no EOF after the client's half-close). */
  "stalled",
  /** The connection was reset. */
  "reset",
  /** The connection was refused. */
  "refused",
  /** Connecting took longer than the connect timeout. */
  "connect-timeout",
  /** The process ran out of file descriptors. */
  "too-many-open-files",
  /** The overall timeout ended the flood first. */
  "timeout",
  /** Any other socket error. */
  "socket-error"
)
export type ErrorKind = typeof ErrorKind.Type

/** The error kind a failed connect or socket error is counted under. */
export const errorKindOf = (error: TransportError): ErrorKind => {
  switch (error._tag) {
    case "ConnectionRefused":
      return "refused"
    case "ConnectionReset":
      return "reset"
    case "ConnectTimeout":
      return "connect-timeout"
    case "TooManyOpenFiles":
      return "too-many-open-files"
    case "AddressInUse":
    case "SocketFailure":
    case "ReusePortUnsupported":
      return "socket-error"
  }
}

export const ErrorDetail = Schema.Struct({
  kind: ErrorKind,
  connection: Schema.Number,
  /** Byte offset in the connection's stream where it went wrong. */
  offset: Schema.Number,
  expected: Schema.optional(Schema.Number),
  received: Schema.optional(Schema.Number),
  message: Schema.String
})
export type ErrorDetail = typeof ErrorDetail.Type

/** Failed connections (or probes) by kind. */
export const ErrorCounts = Schema.Record({ key: Schema.String, value: Schema.Number })
export type ErrorCounts = typeof ErrorCounts.Type

/** Failures kept in full; the rest are only counted. */
export const MAX_DETAILS = 5

/** What a verification mismatch says, e.g. `connection 3: byte 40000 is 17, expected 200`. */
export const mismatchDetail = (label: string, index: number, mismatch: Mismatch): ErrorDetail => {
  const what =
    mismatch.kind === "corrupted"
      ? `byte ${mismatch.offset} is ${mismatch.received}, expected ${mismatch.expected}`
      : `stream ${mismatch.kind === "missing-bytes" ? "lost" : "gained"} ${mismatch.shift} byte(s) at offset ${mismatch.offset}`
  return {
    kind: mismatch.kind,
    connection: index,
    offset: mismatch.offset,
    expected: mismatch.expected,
    received: mismatch.received,
    message: `${label} ${index}: ${what}`
  }
}

/** A failed connect or socket error of connection `index`, at stream offset `offset`. */
export const transportDetail = (label: string, index: number, offset: number, error: TransportError): ErrorDetail => ({
  kind: errorKindOf(error),
  connection: index,
  offset,
  message: `${label} ${index}: ${error.message}`
})

/** Failures by kind, and the first MAX_DETAILS in full. */
export class ErrorLog {
  readonly counts: Record<string, number> = {}
  readonly details: Array<ErrorDetail> = []

  add(detail: ErrorDetail): void {
    this.counts[detail.kind] = (this.counts[detail.kind] ?? 0) + 1
    if (this.details.length < MAX_DETAILS) this.details.push(detail)
  }

  /** Copies for a report (the log may go on counting). */
  snapshot(): { errors: Record<string, number>; errorDetails: Array<ErrorDetail> } {
    return { errors: { ...this.counts }, errorDetails: this.details.slice() }
  }
}
