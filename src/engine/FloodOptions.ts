/**
 * What one flood does, validated before any traffic: a bad value fails with
 * a message that names the option and the fix.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { PATTERN_LENGTH } from "../protocol/PayloadPattern.ts"

export interface FloodOptions {
  readonly host: string
  readonly port: number
  readonly connections: number
  readonly bytesPerConnection: number
  /** Largest write, in bytes. */
  readonly chunk: number
  /** Most bytes sent but not yet echoed on one connection. */
  readonly window: number
  /** Open every connection before any payload flows. */
  readonly barrier: boolean
  readonly timeoutSeconds: number
  /** A connection with no echoed byte for this long fails as "stalled". */
  readonly stallTimeoutSeconds: number
  /** Connects in flight at once, so a server with a 511 backlog is not overrun. */
  readonly connectConcurrency: number
  readonly connectTimeoutSeconds: number
  readonly noDelay: boolean
  /**
   * Wall-clock time (ms since the epoch) at which payload starts, after every
   * connection is open: flood workers on several hosts start together.
   */
  readonly startAtMs?: number | undefined
  /** Source address the connections bind to (127.0.0.2 …), so several client processes get more ports than one address has. */
  readonly sourceAddress?: string
}

export const defaultFloodOptions = {
  host: "127.0.0.1",
  connections: 100,
  bytesPerConnection: 512 * 1024,
  chunk: 32 * 1024,
  barrier: false,
  timeoutSeconds: 300,
  stallTimeoutSeconds: 10,
  connectConcurrency: 256,
  connectTimeoutSeconds: 10,
  noDelay: true
} as const

/** @category errors */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  readonly option: string
  readonly value: unknown
  readonly problem: string
  readonly fix: string
}> {
  override get message() {
    return `--${this.option} ${String(this.value)}: ${this.problem}. ${this.fix}`
  }
}

const MAX_CHUNK = 512 * 1024

/** Fails with the option, its value, what is wrong and the fix unless `ok`. */
export const check = (ok: boolean, option: string, value: unknown, problem: string, fix: string) =>
  ok ? Effect.void : Effect.fail(new InvalidOption({ option, value, problem, fix }))

export const positiveInteger = (option: string, value: number, fix: string) =>
  check(Number.isSafeInteger(value) && value > 0, option, value, "must be a whole number above 0", fix)

export const positiveSeconds = (option: string, value: number) =>
  check(
    Number.isFinite(value) && value > 0,
    option,
    value,
    "must be a number of seconds above 0",
    `Give e.g. --${option} 10.`
  )

/** Checks a port number given on the command line (0 is allowed only where a free port is wanted). */
export const validatePort = (value: number, allowZero: boolean) =>
  check(
    Number.isInteger(value) && value >= (allowZero ? 0 : 1) && value <= 65535,
    "port",
    value,
    `must be a whole number from ${allowZero ? 0 : 1} to 65535`,
    allowZero
      ? "Use 0 to pick a free port."
      : "Give the port the echo server listens on, or leave --port out to start one."
  )

export const validateFloodOptions = (options: FloodOptions): Effect.Effect<FloodOptions, InvalidOption> =>
  Effect.gen(function* () {
    yield* validatePort(options.port, false)
    yield* positiveInteger(
      "connections",
      options.connections,
      "Give how many connections to open, e.g. --connections 100."
    )
    yield* positiveInteger(
      "bytes",
      options.bytesPerConnection,
      "Give the bytes each connection sends, e.g. --bytes 524288."
    )
    yield* positiveInteger("chunk", options.chunk, "Give the write size in bytes, e.g. --chunk 32768.")
    if (options.chunk > MAX_CHUNK) {
      return yield* new InvalidOption({
        option: "chunk",
        value: options.chunk,
        problem: `is above the largest supported write of ${MAX_CHUNK} bytes`,
        fix: "Use a smaller --chunk."
      })
    }
    yield* positiveInteger(
      "window",
      options.window,
      "Give the unechoed bytes allowed per connection, e.g. --window 32768."
    )
    if (options.window < options.chunk) {
      return yield* new InvalidOption({
        option: "window",
        value: options.window,
        problem: `is smaller than the chunk (${options.chunk}), so no chunk could ever be sent`,
        fix: `Use --window ${options.chunk} or more, or a smaller --chunk.`
      })
    }
    if (options.window > PATTERN_LENGTH) {
      return yield* new InvalidOption({
        option: "window",
        value: options.window,
        problem: `is above ${PATTERN_LENGTH} bytes, more than one connection may keep in flight`,
        fix: "Use a smaller --window; a bounded window is what keeps the kernel out of memory pressure."
      })
    }
    yield* positiveInteger(
      "connect-concurrency",
      options.connectConcurrency,
      "Give how many connects may be in flight at once, e.g. --connect-concurrency 256."
    )
    yield* positiveSeconds("timeout", options.timeoutSeconds)
    yield* positiveSeconds("stall-timeout", options.stallTimeoutSeconds)
    yield* positiveSeconds("connect-timeout", options.connectTimeoutSeconds)
    return options
  })
