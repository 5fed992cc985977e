/**
 * The bytes each flood connection sends. Byte `o` of connection `c` is
 * `P[(start(c) + o) mod L]`, where P is a fixed pseudo-random sequence of
 * prime length L and `start(c) = (c * STRIDE) mod L`. So data swapped between
 * connections, shifted by a byte, dropped or duplicated is caught, not only
 * flipped bits. The same definition is implemented in C by the native client
 * (adapters/external/c-epoll/pattern.h); keep them in step.
 *
 * P is stored twice over (length 2L) so any span of up to L bytes starting
 * below L is one contiguous view: writes send views of it without copying,
 * and verification compares against views of it with a native memcmp.
 */

/** Prime length of the pattern period (2^20 - 3). */
export const PATTERN_LENGTH = 1_048_573
/** Distance between the starting offsets of consecutive connections (a prime). */
export const PATTERN_STRIDE = 104_729
/** Seed of the xorshift32 generator. */
export const PATTERN_SEED = 0x9e3779b9

const build = (): Uint8Array => {
  const bytes = new Uint8Array(PATTERN_LENGTH * 2)
  let state = PATTERN_SEED >>> 0
  for (let i = 0; i < PATTERN_LENGTH; i++) {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    bytes[i] = state >>> 24
  }
  bytes.copyWithin(PATTERN_LENGTH, 0, PATTERN_LENGTH)
  return bytes
}

let cached: Uint8Array | undefined

/** The doubled pattern, built once per process (2 MiB). */
export const patternBytes = (): Uint8Array => (cached ??= build())

/** Offset in P where connection `connection` starts. */
export const startOffset = (connection: number): number => (connection * PATTERN_STRIDE) % PATTERN_LENGTH

/** Position in P of byte `offset` of `connection`. */
export const positionOf = (connection: number, offset: number): number =>
  (startOffset(connection) + offset) % PATTERN_LENGTH

/** The expected byte at `offset` of `connection` (slow path: diagnostics only). */
export const expectedByte = (connection: number, offset: number): number =>
  patternBytes()[positionOf(connection, offset)]!

/**
 * A view of `length` expected bytes of `connection` from `offset`, without
 * copying. `length` must not exceed PATTERN_LENGTH.
 */
export const expectedView = (connection: number, offset: number, length: number): Uint8Array => {
  const start = positionOf(connection, offset)
  return patternBytes().subarray(start, start + length)
}
