/**
 * One colour and one marker per target, the same in every chart of a run:
 * the eight Okabe–Ito colours (distinguishable with the common colour-vision
 * deficiencies) crossed with six marker shapes, so 24 targets get distinct
 * pairs, and lines past the eighth target are dashed. A target's style
 * follows its place in the run's target list; legends list targets by rank.
 */
import type { ResultGrid } from "../ResultGrid.ts"

const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442"]
const SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
const DASHES = [
  [1, 0],
  [6, 3],
  [2, 2]
]

export interface SeriesStyle {
  readonly label: string
  readonly colour: string
  readonly shape: string
  readonly dash: ReadonlyArray<number>
}

/** The style of every target of the run, in the given (rank) order. */
export const seriesStyles = (grid: ResultGrid, order: ReadonlyArray<string>): ReadonlyArray<SeriesStyle> =>
  stylesOf(
    grid.targets.map((t) => grid.label(t.name)),
    order
  )

/** Styles for `labels` in run order (a label's place fixes its colour and marker), listed in `order`. */
export const stylesOf = (labels: ReadonlyArray<string>, order: ReadonlyArray<string>): ReadonlyArray<SeriesStyle> => {
  const ranked = [...order.filter((l) => labels.includes(l)), ...labels.filter((l) => !order.includes(l))]
  return ranked.map((label) => {
    const i = labels.indexOf(label)
    return {
      label,
      colour: OKABE_ITO[i % OKABE_ITO.length]!,
      shape: SHAPES[i % SHAPES.length]!,
      dash: DASHES[Math.floor(i / OKABE_ITO.length) % DASHES.length]!
    }
  })
}

/** Vega-Lite scales for colour, shape and dash over the given labels, legend in style order. */
export const seriesScales = (styles: ReadonlyArray<SeriesStyle>, only?: ReadonlyArray<string>) => {
  const used = only === undefined ? styles : styles.filter((s) => only.includes(s.label))
  return {
    colour: { domain: used.map((s) => s.label), range: used.map((s) => s.colour) },
    shape: { domain: used.map((s) => s.label), range: used.map((s) => s.shape) },
    dash: { domain: used.map((s) => s.label), range: used.map((s) => [...s.dash]) }
  }
}

/** Colour, shape and dash encodings of the `target` field; one legend (titled by rank) or none. */
export const seriesEncodings = (styles: ReadonlyArray<SeriesStyle>, labels: ReadonlyArray<string>, legend = true) => {
  const scales = seriesScales(styles, labels)
  return {
    color: {
      field: "target",
      type: "nominal",
      title: "target (by rank)",
      scale: scales.colour,
      legend: legend ? { orient: "right", symbolStrokeWidth: 2 } : null
    },
    shape: { field: "target", type: "nominal", scale: scales.shape, ...(legend ? {} : { legend: null }) },
    strokeDash: { field: "target", type: "nominal", scale: scales.dash, ...(legend ? {} : { legend: null }) }
  } as const
}
