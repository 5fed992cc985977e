/**
 * Picks the adapter for the runtime this process runs on. The only place
 * that asks which runtime it is; everything else gets a `RuntimeAdapter`.
 * Specifiers are computed so that tsc (checking Node code) does not follow
 * them into Deno- and Bun-only code; `deno check` covers the Deno adapter.
 */
import type { RuntimeAdapter } from "./RuntimeAdapter.ts"

export const currentRuntimeName = (): "node" | "deno" | "bun" =>
  "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node"

export const loadCurrentAdapter = async (): Promise<RuntimeAdapter> => {
  const module: { adapter: RuntimeAdapter } = await import(`./${currentRuntimeName()}/index.ts`)
  return module.adapter
}
