/**
 * Renders a Vega-Lite spec to an SVG string with no DOM and no canvas: Vega's
 * headless view (`renderer: "none"`) builds the scenegraph and serialises it.
 * Checked on Node 20 under tsx; the reports are produced on Node. Text is
 * measured by Vega's built-in estimate (no canvas package), so label widths
 * are close, not exact.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"

/** @category errors */
export class ChartRenderError extends Data.TaggedError("ChartRenderError")<{
  readonly chart: string
  readonly cause: unknown
}> {
  override get message() {
    return `could not render chart ${this.chart}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/**
 * Vega and Vega-Lite warn through `console` by default; their warnings are
 * collected instead and logged through Effect, so a library never prints.
 */
export const renderSvg = (spec: TopLevelSpec, chart = "chart"): Effect.Effect<string, ChartRenderError> =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => {
      warnings.push(args.map(String).join(" "))
    })
    const svg = yield* Effect.tryPromise({
      try: async () => {
        const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: "none", logger })
        try {
          return await view.toSVG()
        } finally {
          view.finalize()
        }
      },
      catch: (cause) => new ChartRenderError({ chart, cause })
    })
    for (const warning of warnings) yield* Effect.logWarning(`chart ${chart}: ${warning}`)
    return svg
  })
