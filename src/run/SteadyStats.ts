/**
 * Steady-state figures from the per-second samples: mean and spread of each
 * series, the runs of seconds with no echo, and whether the client core set
 * the pace.
 */
import type { CoreLoad, CoreSpread, SaturationSample, Spread, SteadySummary } from "./SaturationResult.ts"

/** Mean, population standard deviation, min and max; all zero for no values. */
export const spreadOf = (values: ReadonlyArray<number>): Spread => {
  const count = values.length
  if (count === 0) return { count: 0, mean: 0, stddev: 0, min: 0, max: 0 }
  let sum = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) {
    sum += v
    if (v < min) min = v
    if (v > max) max = v
  }
  const mean = sum / count
  let squares = 0
  for (const v of values) squares += (v - mean) ** 2
  return { count, mean, stddev: Math.sqrt(squares / count), min, max }
}

const defined = <A>(values: ReadonlyArray<A | undefined>): Array<A> => values.filter((v): v is A => v !== undefined)

export const coreSpreadOf = (loads: ReadonlyArray<CoreLoad>): CoreSpread | undefined =>
  loads.length === 0
    ? undefined
    : {
        core: loads[0]!.core,
        busy: spreadOf(loads.map((l) => l.busy)),
        user: spreadOf(loads.map((l) => l.user)),
        system: spreadOf(loads.map((l) => l.system)),
        softirq: spreadOf(loads.map((l) => l.softirq)),
        idle: spreadOf(loads.map((l) => l.idle))
      }

const optionalSpread = (values: ReadonlyArray<number | undefined>) => {
  const present = defined(values)
  return present.length === 0 ? undefined : spreadOf(present)
}

/** Seconds with no byte echoed, and the longest run of them. */
export const zeroRuns = (samples: ReadonlyArray<SaturationSample>) => {
  let zero = 0
  let run = 0
  let longest = 0
  for (const s of samples) {
    if (s.mbPerSecond === 0) {
      zero++
      run++
      if (run > longest) longest = run
    } else {
      run = 0
    }
  }
  return { zeroSeconds: zero, longestZeroRunSeconds: longest }
}

/**
 * A saturation test measures the server only while the server's core is the
 * bottleneck: a second (or a steady state, on average) in which the client's
 * core was at least as busy is client-bound.
 */
export const saturationClientBound = (serverBusy: number, clientBusy: number) => clientBusy >= serverBusy

const steadyClientBound = (server: CoreSpread | undefined, client: CoreSpread | undefined) =>
  server !== undefined && client !== undefined && saturationClientBound(server.busy.mean, client.busy.mean)

export const steadySummary = (
  samples: ReadonlyArray<SaturationSample>,
  seconds: number,
  serverPeakRssBytes: number | undefined
): SteadySummary => {
  const serverCore = coreSpreadOf(defined(samples.map((s) => s.serverCore)))
  const clientCore = coreSpreadOf(defined(samples.map((s) => s.clientCore)))
  return {
    seconds,
    mbPerSecond: spreadOf(samples.map((s) => s.mbPerSecond)),
    contextSwitchesPerSecond: spreadOf(samples.map((s) => s.contextSwitchesPerSecond)),
    serverContextSwitchesPerSecond: optionalSpread(samples.map((s) => s.serverContextSwitchesPerSecond)),
    serverProcessCpu: optionalSpread(samples.map((s) => s.serverProcessCpu)),
    serverCore,
    clientCore,
    serverRssBytes: optionalSpread(samples.map((s) => s.serverRssBytes)),
    serverPeakRssBytes,
    tcpMemoryBytes: optionalSpread(samples.map((s) => s.tcpMemoryBytes)),
    ...zeroRuns(samples),
    clientBound: steadyClientBound(serverCore, clientCore),
    clientBoundSeconds: samples.filter((s) => s.clientBound === true).length
  }
}
