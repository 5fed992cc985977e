/**
 * Checks echoed bytes against the payload pattern. The common case is one
 * native compare against a view of the pattern; only a mismatch walks bytes,
 * to say where it went wrong and whether the stream lost or gained bytes
 * rather than had them changed.
 */
import { expectedByte, expectedView, PATTERN_LENGTH } from "./PayloadPattern.ts"

/** @category models */
export interface Mismatch {
  readonly kind: "corrupted" | "missing-bytes" | "extra-bytes"
  /** Offset in the connection's stream of the first wrong byte. */
  readonly offset: number
  readonly expected: number
  readonly received: number
  /** For a shifted stream, how many bytes were lost or inserted. */
  readonly shift: number
}

export type EqualBytes = (a: Uint8Array, b: Uint8Array) => boolean

/** Bytes that must line up after a suspected shift before we call it one. */
const SHIFT_EVIDENCE = 8
/** Largest loss or insertion we look for. */
const MAX_SHIFT = 64

const matchesFrom = (connection: number, bytes: Uint8Array, from: number, streamOffset: number, length: number) => {
  for (let k = 0; k < length; k++) {
    if (bytes[from + k] !== expectedByte(connection, streamOffset + k)) return false
  }
  return true
}

const diagnose = (connection: number, offset: number, bytes: Uint8Array, index: number): Mismatch => {
  const at = offset + index
  const expected = expectedByte(connection, at)
  const received = bytes[index]!
  const evidence = Math.min(SHIFT_EVIDENCE, bytes.length - index)
  if (evidence >= 4) {
    for (let shift = 1; shift <= MAX_SHIFT; shift++) {
      // Lost bytes: what arrived is the pattern `shift` bytes further on.
      if (matchesFrom(connection, bytes, index, at + shift, evidence)) {
        return { kind: "missing-bytes", offset: at, expected, received, shift }
      }
      // Inserted bytes: the pattern resumes `shift` bytes later in what arrived.
      if (index + shift + evidence <= bytes.length && matchesFrom(connection, bytes, index + shift, at, evidence)) {
        return { kind: "extra-bytes", offset: at, expected, received, shift }
      }
    }
  }
  return { kind: "corrupted", offset: at, expected, received, shift: 0 }
}

/**
 * Verifies `bytes`, which claim to be the stream of `connection` from
 * `offset`. Returns undefined when every byte matches.
 */
export const verify = (
  equalBytes: EqualBytes,
  connection: number,
  offset: number,
  bytes: Uint8Array
): Mismatch | undefined => {
  // Reads are far below the pattern period, so this loop runs once in practice.
  for (let from = 0; from < bytes.length; from += PATTERN_LENGTH) {
    const piece = from === 0 && bytes.length <= PATTERN_LENGTH ? bytes : bytes.subarray(from, from + PATTERN_LENGTH)
    if (!equalBytes(piece, expectedView(connection, offset + from, piece.length))) {
      let index = 0
      while (piece[index] === expectedByte(connection, offset + from + index)) index++
      return diagnose(connection, offset, bytes, from + index)
    }
  }
  return undefined
}
