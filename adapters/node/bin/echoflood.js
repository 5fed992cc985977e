#!/usr/bin/env node
// `echoflood` on Node from any folder (npm link, npm install -g, npx): tsx is
// resolved from this package, not from the folder the command runs in, and
// runs are written under that folder's runs/ unless --runs-dir says otherwise.
import { register } from "tsx/esm/api"

register()
await import("../../../src/main.ts")
