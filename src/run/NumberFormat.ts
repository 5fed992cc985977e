/**
 * How numbers are printed. One place, so the runner's messages and the
 * Markdown, HTML and comparison reports agree on units and precision. Shares
 * are 0..1 in `run.json` and printed as percentages.
 */

/** Seconds with the precision the noise allows: 0.364, 1.502, 50.25; tiny times keep two significant digits. */
export const formatSeconds = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return String(seconds)
  if (seconds >= 10) return seconds.toFixed(2)
  if (seconds >= 0.01) return seconds.toFixed(3)
  if (seconds === 0) return "0"
  return seconds.toPrecision(2)
}

/** MB/s in 10^6 bytes, whole numbers above 10 (a loopback echo is never precise to a tenth of that). */
export const formatMbPerSecond = (mbPerSecond: number): string =>
  mbPerSecond >= 10 ? mbPerSecond.toFixed(0) : mbPerSecond.toFixed(1)

/** A payload size as the benchmark names it: 32 KiB, 512 KiB, 1 MiB, 100 B. */
export const formatSize = (bytes: number): string => {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} B`
}

export const formatMiB = (bytes: number): string => {
  const mib = bytes / (1024 * 1024)
  return mib >= 10 ? mib.toFixed(0) : mib.toFixed(1)
}

export const formatKiB = (bytes: number): string => {
  const kib = bytes / 1024
  return kib >= 10 ? kib.toFixed(0) : kib.toFixed(1)
}

/** A share 0..1 as a whole percentage. */
export const formatPercent = (share: number): string => `${(share * 100).toFixed(0)}%`

/** A ratio b/a: 0.85×. */
export const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "–")

/** Thousands separated by a thin space, so 12345 reads as 12 345 in any locale. */
export const formatCount = (n: number): string =>
  Number.isInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009") : n.toFixed(1)

export const formatGiB = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`

/** A count with its noun in the right number: "1 connection", "2 connections", "1 open file". */
export const countOf = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`
