/**
 * Options of the two worker processes of a saturation run (the saturating
 * client and the client-delay probe) and of the run as a whole, with their
 * defaults and bounds. Bad values fail before any process starts, naming
 * the option and the fix.
 */
import * as Effect from "effect/Effect"
import { check, type InvalidOption, positiveInteger, positiveSeconds, validatePort } from "../engine/FloodOptions.ts"
import type { ProbeOptions, SaturationClientOptions } from "../engine/SaturationReports.ts"
import { PATTERN_LENGTH } from "../protocol/PayloadPattern.ts"
import { FD_RESERVE } from "../system/Limits.ts"
import type { RuntimeSpec } from "../targets/RuntimeVersions.ts"
import { placeNetwork, type ServerPlace } from "../targets/ServerPlace.ts"
import { type Limits, portCount } from "./Preflight.ts"
import type { ProcessPlan } from "./ProcessPlan.ts"
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

/** Milliseconds from 1 to a minute. */
const milliseconds = (option: string, value: number, example: number) =>
  check(
    Number.isFinite(value) && value >= 1 && value <= 60_000,
    option,
    value,
    "must be from 1 to 60000 milliseconds",
    `e.g. --${option} ${example}`
  )

export const validateClientOptions = (
  options: SaturationClientOptions
): Effect.Effect<SaturationClientOptions, InvalidOption> =>
  Effect.gen(function* () {
    yield* validatePort(options.port, false)
    yield* positiveInteger("connections", options.connections, "e.g. --connections 1000")
    yield* positiveInteger("chunk", options.chunk, "e.g. --chunk 32768")
    yield* check(
      options.window >= options.chunk && options.window <= PATTERN_LENGTH,
      "window",
      options.window,
      `must be from the chunk (${options.chunk}) to ${PATTERN_LENGTH} bytes`,
      "Leave it out for one chunk in flight per connection."
    )
    yield* positiveInteger("connect-concurrency", options.connectConcurrency, "e.g. --connect-concurrency 256")
    yield* positiveSeconds("connect-timeout", options.connectTimeoutSeconds)
    yield* positiveSeconds("ramp-timeout", options.rampTimeoutSeconds)
    yield* positiveSeconds("starved-after", options.starvedAfterSeconds)
    yield* positiveSeconds("deadline", options.deadlineSeconds)
    return options
  })

export const validateProbeOptions = (options: ProbeOptions): Effect.Effect<ProbeOptions, InvalidOption> =>
  Effect.gen(function* () {
    yield* validatePort(options.port, false)
    yield* milliseconds("probe-interval", options.intervalMs, 100)
    yield* milliseconds("probe-timeout", options.timeoutMs, 5000)
    yield* positiveInteger("probe-max-outstanding", options.maxOutstanding, "e.g. --probe-max-outstanding 64")
    yield* check(
      Number.isSafeInteger(options.bytes) && options.bytes > 0 && options.bytes <= PATTERN_LENGTH,
      "probe-bytes",
      options.bytes,
      `must be a whole number from 1 to ${PATTERN_LENGTH}`,
      "e.g. --probe-bytes 32768"
    )
    yield* positiveSeconds("deadline", options.deadlineSeconds)
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
export interface SaturationRunOptions extends Omit<SaturationSettings, "client" | "probe"> {
  readonly host: string
  /** The saturating client: the native C client, or our TS client on a runtime. */
  readonly client: RuntimeSpec | "native"
  /** Runtime of the client-delay probe (its own process). */
  readonly probe: RuntimeSpec
  /** Progress lines for a human (the library never prints). */
  readonly onProgress?: (line: string) => Effect.Effect<void>
  /** Where the server runs (a test host); `host` on this machine when absent. */
  readonly place?: ServerPlace
  /** Forces the processes per side (the planner's least otherwise); for tests at small scale and --server-processes. */
  readonly serverProcesses?: number
  readonly clientProcesses?: number
  /** The plan the client side runs by (set by saturateTarget when a side needs several processes). */
  readonly processPlan?: ProcessPlan
}

/** The defaults of `saturate`, for a given connection count and client runtime. */
export const saturationRunOptions = (
  connections: number,
  client: RuntimeSpec | "native",
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
  probe: client === "native" ? "node" : client,
  serverCore: 0,
  clientCore: 1,
  ...overrides
})

/** The settings a result records. */
export const settingsOf = (options: SaturationRunOptions): SaturationSettings => {
  // Everything but where the server is and how progress is shown; the link it is behind, if any.
  const {
    host: _host,
    onProgress: _onProgress,
    place,
    serverProcesses: _server,
    clientProcesses: _client,
    processPlan: _plan,
    ...settings
  } = options
  const network = place === undefined || place.kind === "loopback" ? undefined : placeNetwork(place)
  return network === undefined ? settings : { ...settings, network }
}
