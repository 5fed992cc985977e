import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // vitest's summary counts skipped tests; SkipReasons says why each was skipped.
    reporters: ["default", "./src/testing/SkipReasons.ts"]
  }
})
