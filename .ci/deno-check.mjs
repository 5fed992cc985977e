// `deno check` with the Deno binary npm installed for this platform (@deno/<platform>), so
// `npm run typecheck` works on every platform package.json lists, not only linux-x64.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

const platforms = {
  "linux-x64": "linux-x64-glibc",
  "linux-arm64": "linux-arm64-glibc",
  "darwin-x64": "darwin-x64",
  "darwin-arm64": "darwin-arm64"
}
const platform = platforms[`${process.platform}-${process.arch}`]
const deno = platform === undefined ? undefined : `node_modules/@deno/${platform}/deno`
if (deno === undefined || !existsSync(deno)) {
  console.error(
    `deno-check: no Deno binary for ${process.platform}-${process.arch} (expected ${deno ?? `one of @deno/${Object.values(platforms).join(", @deno/")}`}); run npm ci, or check with your own deno: deno check --config deno.json ${process.argv.slice(2).join(" ")}`
  )
  process.exit(1)
}
const result = spawnSync(deno, ["check", "--config", "deno.json", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }
})
process.exit(result.status ?? 1)
