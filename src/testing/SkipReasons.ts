/**
 * A vitest reporter that lists, after the run, every test skipped for a
 * missing toolchain with its reason (vitest's own summary only counts them).
 */
import type { Reporter, TestModule } from "vitest/node"

export default class SkipReasons implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const lines: Array<string> = []
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result()
        if (result.state === "skipped" && result.note !== undefined) lines.push(`  ${test.fullName}: ${result.note}`)
      }
    }
    if (lines.length === 0) return
    const count = lines.length === 1 ? "1 test" : `${lines.length} tests`
    process.stdout.write(
      `\n${count} skipped for what this machine lacks (each reason names the command that installs it):\n${lines.join("\n")}\n\n`
    )
  }
}
