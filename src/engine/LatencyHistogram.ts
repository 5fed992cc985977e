/**
 * A latency histogram in whole microseconds: log-linear buckets in one
 * preallocated array, the layout of an HdrHistogram with 3 significant
 * digits (2048 sub-buckets, so a recorded value is off by at most 1/1024).
 * Recording is a bucket index and an increment: no allocation, no call into
 * a library, so the flood records every chunk's round trip as it completes.
 *
 * Percentiles are read as HdrHistogram reads them (the highest value of the
 * bucket that holds the rank), except that none exceeds the largest value
 * recorded: a p99.9 above the max is an artefact of the bucket width.
 */
import type { LatencySummary } from "./FloodResult.ts"

const SUB_BITS = 11
const SUB_COUNT = 1 << SUB_BITS
const HALF_COUNT = SUB_COUNT >>> 1
/** Largest value kept (about 36 minutes in microseconds); larger ones are recorded as this. */
const MAX_VALUE = 0x7fffffff
const BUCKETS = SUB_COUNT + (31 - SUB_BITS) * HALF_COUNT

const bucketOf = (value: number): number => {
  if (value < SUB_COUNT) return value
  const shift = 31 - Math.clz32(value) - (SUB_BITS - 1)
  return SUB_COUNT + (shift - 1) * HALF_COUNT + ((value >>> shift) - HALF_COUNT)
}

/** The highest value that falls in bucket `index`. */
const bucketTop = (index: number): number => {
  if (index < SUB_COUNT) return index
  const shift = Math.floor((index - SUB_COUNT) / HALF_COUNT) + 1
  const mantissa = ((index - SUB_COUNT) % HALF_COUNT) + HALF_COUNT
  return (mantissa + 1) * 2 ** shift - 1
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS)
  count = 0
  /** Largest value recorded, in microseconds. */
  max = 0

  /** Records one value in microseconds (below 1 counts as 1). */
  record(micros: number): void {
    const value = micros >= 1 ? (micros < MAX_VALUE ? Math.round(micros) : MAX_VALUE) : 1
    this.counts[bucketOf(value)]!++
    this.count++
    if (value > this.max) this.max = value
  }

  /** Records a duration given in milliseconds. */
  recordMillis(ms: number): void {
    this.record(ms * 1000)
  }

  /** Adds every value of `other`. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!
    this.count += other.count
    if (other.max > this.max) this.max = other.max
  }

  /** The value (microseconds) at `percent`, never above the max; 0 when empty. */
  valueAt(percent: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.floor((percent / 100) * this.count + 0.5))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(bucketTop(i), this.max)
    }
    return this.max
  }

  /** Non-empty buckets as [highest value in microseconds, count], so histograms of several processes merge. */
  buckets(): Array<[number, number]> {
    const pairs: Array<[number, number]> = []
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i]!
      if (n > 0) pairs.push([Math.min(bucketTop(i), this.max), n])
    }
    return pairs
  }

  percentiles(): LatencySummary {
    const ms = (micros: number) => micros / 1000
    return {
      count: this.count,
      p50: ms(this.valueAt(50)),
      p90: ms(this.valueAt(90)),
      p99: ms(this.valueAt(99)),
      p999: ms(this.valueAt(99.9)),
      max: ms(this.max)
    }
  }
}
