#!/usr/bin/env node
// Runs the Deno that `npm ci` installed (node_modules/@deno/<platform>/deno)
// with the given arguments: `npm run deno -- task flood -n 10`.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const platforms = ["linux-x64-glibc", "linux-arm64-glibc", "darwin-x64", "darwin-arm64"]
const binary = platforms.map((p) => `${root}node_modules/@deno/${p}/deno`).find((path) => existsSync(path))
if (binary === undefined) {
  console.error(`echoflood: Deno is not installed under ${root}node_modules/@deno/: run \`npm ci\``)
  process.exit(3)
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit", cwd: root })
process.exit(result.status ?? (result.signal === "SIGINT" ? 130 : 1))
