/** Pinning the running process itself, for clients that start their own server on the other core. */
import * as Effect from "effect/Effect"
import { OperatingSystem } from "./OperatingSystem.ts"

/** Pins this process to `cpus` (best effort: taskset may be missing). */
export const pinSelf = (cpus: string) => Effect.flatMap(OperatingSystem, (os) => os.pinSelf(cpus))
