/**
 * Options of the two worker processes of a saturation run (the saturating
 * client and the client-delay probe) and of the run as a whole, with their
 * defaults and bounds. Bad values fail before any process starts, naming
 * the option and the fix.
 */
import * as Effect from "effect/Effect"
import { InvalidOption } from "../engine/FloodOptions.ts"
import type { ProbeOptions, SaturationClientOptions } from "../engine/SaturationReports.ts"
import { PATTERN_LENGTH } from "../protocol/PayloadPattern.ts"
import { FD_RESERVE } from "../system/Limits.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { type Limits, portCount } from "./Preflight.ts"
import type { SaturationSettings } from "./SaturationResult.ts"

export const MAX_DURATION_SECONDS = 300
export const MAX_CONNECTIONS = 16384

export const defaultSaturationOptions = {
  host: "127.0.0.1",
  chunk: 32 * 1024,
  durationSeconds: 20,
  rampTimeoutSeconds: 60,
  /** Between the end of the ramp (when every connection starts sending) and the steady state. */
  warmupSeconds: 2,
  connectConcurrency: 256,
  connectTimeoutSeconds: 10,
  starvedAfterSeconds: 1,
  noDelay: true,
  probeIntervalMs: 100,
  probeTimeoutMs: 5000,
  /** 5 s / 100 ms = 50 can wait at once on a stalled server; a little room above that. */
  probeMaxOutstanding: 64,
  probeBytes: 32 * 1024
} as const

/** Ports kept free for the probe and for whatever else runs on the machine. */
const PORT_RESERVE = 1024

/**
 * The largest connection count this machine allows one server process and
 * one client process, up to 16384: each must hold every socket under the
 * open-files hard limit, and the client needs a local port for each.
 */
export const defaultSaturationConnections = (limits: Limits): number =>
  Math.max(1, Math.min(MAX_CONNECTIONS, limits.openFilesHard - FD_RESERVE - 1, portCount(limits) - PORT_RESERVE))

/** Extra life a worker gets beyond the longest run it can be asked for. */
export const DEADLINE_MARGIN_SECONDS = 60

const check = (ok: boolean, option: string, value: unknown, problem: string, fix: string) =>
  ok ? Effect.void : Effect.fail(new InvalidOption({ option, value, problem, fix }))

const wholeAbove0 = (option: string, value: number, fix: string) =>
  check(Number.isSafeInteger(value) && value > 0, option, value, "must be a whole number above 0", fix)

export const validateClientOptions = (
  options: SaturationClientOptions
): Effect.Effect<SaturationClientOptions, InvalidOption> =>
  Effect.gen(function* () {
    yield* check(
      Number.isInteger(options.port) && options.port >= 1 && options.port <= 65535,
      "port",
      options.port,
      "must be a whole number from 1 to 65535",
      "Give the port the echo server listens on."
    )
    yield* wholeAbove0("connections", options.connections, "e.g. --connections 1000")
    yield* wholeAbove0("chunk", options.chunk, "e.g. --chunk 32768")
    yield* check(
      options.window >= options.chunk && options.window <= PATTERN_LENGTH,
      "window",
      options.window,
      `must be from the chunk (${options.chunk}) to ${PATTERN_LENGTH} bytes`,
      "Leave it out for one chunk in flight per connection."
    )
    yield* wholeAbove0("connect-concurrency", options.connectConcurrency, "e.g. --connect-concurrency 256")
    for (const [option, value] of [
      ["connect-timeout", options.connectTimeoutSeconds],
      ["ramp-timeout", options.rampTimeoutSeconds],
      ["starved-after", options.starvedAfterSeconds],
      ["deadline", options.deadlineSeconds]
    ] as const) {
      yield* check(
        Number.isFinite(value) && value > 0,
        option,
        value,
        "must be a number of seconds above 0",
        `e.g. --${option} 10`
      )
    }
    return options
  })

export const validateProbeOptions = (options: ProbeOptions): Effect.Effect<ProbeOptions, InvalidOption> =>
  Effect.gen(function* () {
    yield* check(
      Number.isInteger(options.port) && options.port >= 1 && options.port <= 65535,
      "port",
      options.port,
      "must be a whole number from 1 to 65535",
      "Give the port the echo server listens on."
    )
    yield* check(
      Number.isFinite(options.intervalMs) && options.intervalMs >= 1 && options.intervalMs <= 60_000,
      "probe-interval",
      options.intervalMs,
      "must be from 1 to 60000 milliseconds",
      "e.g. --probe-interval 100"
    )
    yield* check(
      Number.isFinite(options.timeoutMs) && options.timeoutMs >= 1 && options.timeoutMs <= 60_000,
      "probe-timeout",
      options.timeoutMs,
      "must be from 1 to 60000 milliseconds",
      "e.g. --probe-timeout 5000"
    )
    yield* wholeAbove0("probe-max-outstanding", options.maxOutstanding, "e.g. --probe-max-outstanding 64")
    yield* check(
      Number.isSafeInteger(options.bytes) && options.bytes > 0 && options.bytes <= PATTERN_LENGTH,
      "probe-bytes",
      options.bytes,
      `must be a whole number from 1 to ${PATTERN_LENGTH}`,
      "e.g. --probe-bytes 32768"
    )
    yield* check(
      Number.isFinite(options.deadlineSeconds) && options.deadlineSeconds > 0,
      "deadline",
      options.deadlineSeconds,
      "must be a number of seconds above 0",
      "e.g. --deadline 400"
    )
    return options
  })

export const validateDuration = (seconds: number) =>
  check(
    Number.isFinite(seconds) && seconds >= 1 && seconds <= MAX_DURATION_SECONDS,
    "duration",
    seconds,
    `must be from 1 to ${MAX_DURATION_SECONDS} seconds`,
    "e.g. --duration 20"
  )

/**
 * A saturation run: the settings its result records, plus where the server
 * is and how progress is shown.
 *
 * @category models
 */
export interface SaturationRunOptions extends Omit<SaturationSettings, "client"> {
  readonly host: string
  /** Runtime of the saturating client and of the probe. */
  readonly client: RuntimeSpec
  /** Progress lines for a human (the library never prints). */
  readonly onProgress?: (line: string) => Effect.Effect<void>
}

/** The defaults of `saturate`, for a given connection count and client runtime. */
export const saturationRunOptions = (
  connections: number,
  client: RuntimeSpec,
  overrides: Partial<SaturationRunOptions> = {}
): SaturationRunOptions => ({
  host: defaultSaturationOptions.host,
  connections,
  durationSeconds: defaultSaturationOptions.durationSeconds,
  rampTimeoutSeconds: defaultSaturationOptions.rampTimeoutSeconds,
  warmupSeconds: defaultSaturationOptions.warmupSeconds,
  sendDuringRamp: false,
  chunk: defaultSaturationOptions.chunk,
  window: defaultSaturationOptions.chunk,
  probeIntervalMs: defaultSaturationOptions.probeIntervalMs,
  probeTimeoutMs: defaultSaturationOptions.probeTimeoutMs,
  probeMaxOutstanding: defaultSaturationOptions.probeMaxOutstanding,
  probeBytes: defaultSaturationOptions.probeBytes,
  client,
  serverCore: 0,
  clientCore: 1,
  ...overrides
})

/** The settings a result records. */
export const settingsOf = (options: SaturationRunOptions): SaturationSettings => {
  // Everything but where the server is and how progress is shown.
  const { host: _host, onProgress: _onProgress, ...settings } = options
  return settings
}
