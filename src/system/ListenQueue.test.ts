/**
 * Listen overflows over the OperatingSystem service fed with /proc/net/netstat
 * recorded before and after connects to a listener that never accepts
 * (fixtures/netstat-overflow.json): the counters, the count over a window in a
 * server's namespace, and the words a failed result gets.
 */

import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { recordedSystem } from "./fixtures/RecordedSystem.ts"
import {
  countingOverflows,
  isLoopbackHost,
  listenQueueReading,
  overflowAdvice,
  overflowsBetween
} from "./ListenQueue.ts"
import { OperatingSystem } from "./OperatingSystem.ts"
import { parseListenQueue } from "./ProcStat.ts"

const Recording = Schema.parseJson(Schema.Struct({ before: Schema.String, after: Schema.String }))
const SERVER = 4242

const recording = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.readFileString(new URL("./fixtures/netstat-overflow.json", import.meta.url).pathname)
).pipe(Effect.flatMap(Schema.decodeUnknown(Recording)), Effect.provide(NodeContext.layer))

/** The recording as the server's namespace (/proc/4242/net/netstat) at two instants. */
const system = (before: string, after: string) =>
  recordedSystem([
    { at: 0, files: { [`/proc/${SERVER}/net/netstat`]: before } },
    { at: 1500, files: { [`/proc/${SERVER}/net/netstat`]: after } }
  ])

describe("listen overflows", () => {
  it.effect("reads ListenOverflows and ListenDrops from the TcpExt lines", () =>
    Effect.gen(function* () {
      const { before, after } = yield* recording
      expect(parseListenQueue(before)).toEqual(Option.some({ overflows: 68587, drops: 68587 }))
      expect(parseListenQueue(after)).toEqual(Option.some({ overflows: 68599, drops: 68599 }))
      // IpExt and MPTcpExt lines follow TcpExt's: only TcpExt's names count.
      expect(
        parseListenQueue(
          after
            .split("\n")
            .filter((l) => !l.startsWith("TcpExt"))
            .join("\n")
        )
      ).toEqual(Option.none())
    })
  )

  it.effect("counts the overflows of a window in the server's namespace", () =>
    Effect.gen(function* () {
      const { before, after } = yield* recording
      const recorded = system(before, after)
      const counted = yield* countingOverflows(Effect.as(recorded.advance, "flooded"), SERVER).pipe(
        Effect.provide(recorded.layer)
      )
      expect(counted).toEqual({ result: "flooded", listenOverflows: 12 })
    })
  )

  it.effect("no count where the process is gone or the counter went back", () =>
    Effect.gen(function* () {
      const { before, after } = yield* recording
      const recorded = system(before, after)
      const gone = yield* listenQueueReading(SERVER + 1).pipe(Effect.provide(recorded.layer))
      expect(gone).toEqual(Option.none())
      expect(overflowsBetween(parseListenQueue(after), parseListenQueue(before))).toBeUndefined()
      expect(overflowsBetween(Option.none(), parseListenQueue(after))).toBeUndefined()
      const os = yield* OperatingSystem.pipe(Effect.provide(recorded.layer))
      expect(yield* os.listenQueue(SERVER)).toEqual(parseListenQueue(before))
    })
  )

  it("a result with overflows names them and the fix; none adds nothing", () => {
    const words = overflowAdvice(12)
    expect(words).toContain("dropped 12 handshakes")
    expect(words).toContain("npm run doctor -- --tune")
    expect(words).toContain("backlog")
    expect(overflowAdvice(1)).toContain("1 handshake ")
    expect(overflowAdvice(0)).toBe("")
    expect(overflowAdvice(undefined)).toBe("")
  })

  it("counts for a server at --port only on loopback, where our namespace is the server's", () => {
    expect(["127.0.0.1", "127.0.0.2", "::1", "localhost"].map(isLoopbackHost)).toEqual([true, true, true, true])
    expect(["198.18.0.2", "10.0.0.1", "::ffff:10.0.0.1", "127host"].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false
    ])
  })
})
