/**
 * node:buffer's native compare, which Node, Bun and Deno all provide: the
 * byte checks of every adapter's transport, written once.
 */
import { Buffer } from "node:buffer"

/** `buf.compare` with offsets: one memcmp over a range of `this`, no view made; any Uint8Array works as `this`. */
const compareRange = Buffer.prototype.compare as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  targetEnd: number,
  sourceStart: number,
  sourceEnd: number
) => number

/** The transport's `equalRange`: `bytes` against `source[start, start + bytes.length)`. */
export const equalRange = (bytes: Uint8Array, source: Uint8Array, start: number): boolean =>
  compareRange.call(source, bytes, 0, bytes.length, start, start + bytes.length) === 0
