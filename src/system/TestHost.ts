/**
 * Test hosts on one machine: a network namespace joined to the default one by
 * a veth pair, addressed from the benchmarking range 198.18.0.0/15 (RFC 2544),
 * so client and server talk over a link instead of loopback. echoflood creates
 * every namespace it uses (names start with `echoflood-`) and removes it when
 * the scope closes: at the end, on failure and on interrupt. Removing the
 * namespace removes its veth end and the peer with it, and every qdisc on them.
 *
 * A link can be shaped: a rate with a token bucket (`tc tbf`, on both ends so
 * both directions of the echo are held to it) and a delay with `netem`. Many
 * kernels are built without `sch_netem`; a delay asked of such a kernel fails
 * with that name and the host is removed again.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2's `ip` and `tc`.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { type Captured, capture } from "./CapturedCommand.ts"
import { OperatingSystem } from "./OperatingSystem.ts"

/** @category errors */
export class TestHostError extends Data.TaggedError("TestHostError")<{
  readonly problem: string
  readonly fix: string
}> {
  override get message() {
    return `${this.problem}; ${this.fix}`
  }
}

/** @category models */
export interface LinkShape {
  /** Bits per second in each direction; undefined: the veth's own speed. */
  readonly rateBitsPerSecond?: number | undefined
  /** One-way delay added on each end, milliseconds (netem). */
  readonly delayMs?: number | undefined
}

/** @category models */
export interface TestHost {
  /** Network namespace name. */
  readonly namespace: string
  /** The address of the default namespace's end of the link. */
  readonly outsideAddress: string
  /** The address inside the test host. */
  readonly insideAddress: string
  readonly link: LinkShape
  /** argv that runs `argv` inside the test host (ip netns exec keeps the PID). */
  readonly exec: (argv: ReadonlyArray<string>) => Array<string>
}

/** Every namespace echoflood creates starts with this, so leftovers can be found. */
export const NAMESPACE_PREFIX = "echoflood-"

const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps)?$/i
const RATE_FACTORS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  tbit: 1e12,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9
}

/** "1gbit", "200mbit", "500kbit" (tc's units; `…bps` are bytes per second) → bits per second. */
export const parseLinkRate = (text: string): number | undefined => {
  const match = RATE.exec(text.trim())
  if (match === null) return undefined
  const bits = Number(match[1]) * RATE_FACTORS[(match[2] ?? "bit").toLowerCase()]!
  return bits >= 8000 ? bits : undefined
}

/** "5ms", "0.5ms", "1s" → milliseconds. */
export const parseLinkDelay = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*(us|ms|s)?$/i.exec(text.trim())
  if (match === null) return undefined
  const unit = (match[2] ?? "ms").toLowerCase()
  const ms = Number(match[1]) * (unit === "s" ? 1000 : unit === "us" ? 0.001 : 1)
  return ms > 0 && ms <= 10_000 ? ms : undefined
}

/** "200 Mbit/s, 5 ms" for tables and summaries. */
export const describeLink = (link: LinkShape): string => {
  const parts: Array<string> = []
  if (link.rateBitsPerSecond !== undefined) {
    const r = link.rateBitsPerSecond
    parts.push(r >= 1e9 ? `${r / 1e9} Gbit/s` : r >= 1e6 ? `${r / 1e6} Mbit/s` : `${r / 1e3} kbit/s`)
  }
  if (link.delayMs !== undefined) parts.push(`${link.delayMs} ms delay`)
  return parts.length === 0 ? "unshaped" : parts.join(", ")
}

const run = (argv: ReadonlyArray<string>, what: string) =>
  capture(argv).pipe(
    Effect.flatMap((result: Captured) =>
      result.exitCode === 0
        ? Effect.succeed(result.stdout)
        : Effect.fail(
            new TestHostError({
              problem: `could not ${what} (\`${argv.join(" ")}\` exited ${result.exitCode}: ${(result.stderr || result.stdout).trim()})`,
              fix:
                result.exitCode === 127
                  ? "install iproute2 (apt-get install iproute2)"
                  : "test hosts need root (CAP_NET_ADMIN) and a kernel with network namespaces and veth"
            })
          )
    )
  )

/** The /24s of 198.18.0.0/15 already on an interface, so a new host picks a free one. */
const usedSubnets = Effect.map(run(["ip", "-o", "-4", "addr", "show"], "list addresses"), (text) => {
  const used = new Set<number>()
  for (const match of text.matchAll(/inet 198\.(18|19)\.(\d+)\./g)) {
    used.add((Number(match[1]) - 18) * 256 + Number(match[2]))
  }
  return used
})

const subnetAddress = (subnet: number, host: number) => `198.${18 + Math.floor(subnet / 256)}.${subnet % 256}.${host}`

/** tbf needs a bucket of at least one GSO segment (64 KiB on veth) and rate / HZ. */
const tbfArgs = (bitsPerSecond: number) => [
  "tbf",
  "rate",
  `${Math.round(bitsPerSecond)}bit`,
  "burst",
  `${Math.max(128 * 1024, Math.ceil(bitsPerSecond / 8 / 100))}`,
  "latency",
  "50ms"
]

const shapeOne = (prefix: ReadonlyArray<string>, device: string, link: LinkShape) =>
  Effect.gen(function* () {
    if (link.delayMs !== undefined) {
      const netem = [...prefix, "tc", "qdisc", "add", "dev", device, "root", "handle", "1:", "netem"]
      const result = yield* capture([...netem, "delay", `${link.delayMs}ms`])
      if (result.exitCode !== 0) {
        return yield* new TestHostError({
          problem: `this kernel cannot delay a link: tc has no netem qdisc (${result.stderr.trim() || `exit ${result.exitCode}`}); the module sch_netem is missing`,
          fix: "load it with `modprobe sch_netem` (Debian: package linux-modules-extra or a kernel built with CONFIG_NET_SCH_NETEM), or run without --link-delay"
        })
      }
      if (link.rateBitsPerSecond !== undefined) {
        yield* run(
          [
            ...prefix,
            "tc",
            "qdisc",
            "add",
            "dev",
            device,
            "parent",
            "1:1",
            "handle",
            "10:",
            ...tbfArgs(link.rateBitsPerSecond)
          ],
          `shape ${device}`
        )
      }
    } else if (link.rateBitsPerSecond !== undefined) {
      yield* run(
        [...prefix, "tc", "qdisc", "add", "dev", device, "root", ...tbfArgs(link.rateBitsPerSecond)],
        `shape ${device}`
      )
    }
  })

/** Removes a namespace (and so its link); never fails. */
export const removeTestHost = (namespace: string) => Effect.asVoid(capture(["ip", "netns", "delete", namespace]))

/**
 * Creates test host `index` of this process, shaped as asked; the scope
 * removes it. Each host gets its own /24 of 198.18.0.0/15: `.1` outside, `.2` inside.
 */
export const acquireTestHost = (index: number, link: LinkShape = {}) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const pid = yield* ownPid
      const namespace = `${NAMESPACE_PREFIX}${pid}-${index}`
      // Interface names hold 15 characters.
      const outside = `ef${pid % 1_000_000}o${index}`
      const inside = `ef${pid % 1_000_000}i${index}`
      const used = yield* usedSubnets
      let subnet = 0
      while (used.has(subnet)) subnet++
      if (subnet >= 512) {
        return yield* new TestHostError({
          problem: "every /24 of 198.18.0.0/15 is already on an interface",
          fix: "remove leftover test hosts with `echoflood doctor --clean`"
        })
      }
      const outsideAddress = subnetAddress(subnet, 1)
      const insideAddress = subnetAddress(subnet, 2)
      yield* run(["ip", "netns", "add", namespace], `create network namespace ${namespace}`)
      const ns = ["ip", "netns", "exec", namespace]
      const setUp = Effect.gen(function* () {
        yield* run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside], "create a veth pair")
        yield* run(["ip", "link", "set", inside, "netns", namespace], "move the veth end into the test host")
        yield* run(["ip", "addr", "add", `${outsideAddress}/24`, "dev", outside], "address the link")
        yield* run(["ip", "link", "set", outside, "up"], "bring the link up")
        yield* run(
          ["ip", "-n", namespace, "addr", "add", `${insideAddress}/24`, "dev", inside],
          "address the test host"
        )
        yield* run(["ip", "-n", namespace, "link", "set", inside, "up"], "bring the test host's link up")
        yield* run(["ip", "-n", namespace, "link", "set", "lo", "up"], "bring the test host's loopback up")
        // Other test hosts' subnets are reached through this one's link, never past this machine.
        yield* run(
          ["ip", "-n", namespace, "route", "add", "198.18.0.0/15", "via", outsideAddress, "dev", inside],
          "route the benchmarking range"
        )
        yield* shapeOne([], outside, link)
        yield* shapeOne(ns, inside, link)
      })
      yield* setUp.pipe(Effect.tapError(() => removeTestHost(namespace)))
      const host: TestHost = {
        namespace,
        outsideAddress,
        insideAddress,
        link,
        exec: (argv) => [...ns, ...argv]
      }
      return host
    }),
    (host) => removeTestHost(host.namespace)
  )

const ownPid = Effect.flatMap(OperatingSystem, (os) => os.selfPid)

/** Namespaces left by an echoflood that could not clean up (killed with SIGKILL, say): their creator is gone. */
export const leftoverTestHosts = Effect.gen(function* () {
  const os = yield* OperatingSystem
  const listed = yield* capture(["ip", "netns", "list"])
  if (listed.exitCode !== 0) return []
  const names = listed.stdout
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(NAMESPACE_PREFIX))
  const left: Array<string> = []
  for (const name of names) {
    const pid = name.slice(NAMESPACE_PREFIX.length).split("-")[0]
    const alive = yield* os.process(Number(pid)).pipe(
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
    if (!alive) left.push(name)
  }
  return left
})
