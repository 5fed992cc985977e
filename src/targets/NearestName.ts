/**
 * The valid name closest to a misspelled one (options, commands, targets),
 * so an error can say "did you mean …" instead of only "unknown".
 */

const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The closest candidate within a third of the word's length (at least 2
 * edits), or a candidate the word is a prefix of; undefined when nothing is
 * close enough to be a plausible typo.
 */
export const nearestName = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const lower = word.toLowerCase()
  let best: { readonly name: string; readonly cost: number } | undefined
  for (const name of candidates) {
    const cost = distance(lower, name.toLowerCase())
    if (best === undefined || cost < best.cost) best = { name, cost }
  }
  if (best !== undefined && best.cost <= Math.max(2, Math.floor(word.length / 3))) return best.name
  return lower.length >= 3 ? candidates.find((name) => name.toLowerCase().startsWith(lower)) : undefined
}

/** " (did you mean X?)" or "", ready to append to a message. */
export const didYouMean = (
  word: string,
  candidates: ReadonlyArray<string>,
  format = (name: string) => name
): string => {
  const near = nearestName(word, candidates)
  return near === undefined ? "" : ` (did you mean ${format(near)}?)`
}
