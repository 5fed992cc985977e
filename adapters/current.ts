/**
 * Picks the adapter for the runtime this process runs on. The only place
 * that asks which runtime it is; everything else gets a `RuntimeAdapter`.
 */
import type { RuntimeAdapter } from "./RuntimeAdapter.ts"

export const currentRuntimeName = (): "node" | "deno" | "bun" =>
  "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node"

export const loadCurrentAdapter = async (): Promise<RuntimeAdapter> => {
  switch (currentRuntimeName()) {
    case "bun":
      return (await import("./bun/index.ts")).adapter
    case "deno":
      return (await import("./deno/index.ts")).adapter
    case "node":
      return (await import("./node/index.ts")).adapter
  }
}
