import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { renderTimeCharts } from "./ChartRender.ts"
import { CLIENT_BOUND } from "./ChartSpecs.ts"
import { fixtureRun } from "./fixtures/run.ts"

const ran = ["C epoll", "Go io.Copy", "Node.js node:net"]

describe("renderTimeCharts", () => {
  it.effect("renders one log–log SVG per size, naming every target that ran, without warnings", () =>
    Effect.gen(function* () {
      const warnings: Array<unknown> = []
      const charts = yield* renderTimeCharts(fixtureRun()).pipe(
        Effect.provide(
          Logger.replace(
            Logger.defaultLogger,
            Logger.make(({ message }) => warnings.push(message))
          )
        )
      )
      expect([...charts.keys()]).toEqual([32768, 524288])
      for (const svg of charts.values()) {
        expect(svg.startsWith("<svg")).toBe(true)
        expect(svg).toContain("for a log scale")
        // One legend for colour and dash, listing the series in run order.
        expect(svg).toContain(`aria-label="Symbol legend titled 'target' for `)
        expect(svg).toContain(`with 3 values: ${ran.join(", ")}"`)
        for (const name of ran) expect(svg).toContain(`>${name}</text>`)
        expect(svg).not.toContain("Erlang")
      }
      // The one client-bound cell is drawn as its own (hollow diamond) point in the 512 KiB chart only.
      expect(charts.get(524288)).toContain(`target: C epoll; bottleneck: ${CLIENT_BOUND}; connections: 1000`)
      expect(charts.get(32768)).not.toContain(`bottleneck: ${CLIENT_BOUND}; connections`)
      expect(warnings).toEqual([])
    })
  )
})
