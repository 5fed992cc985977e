/**
 * Deno's native TCP handles (`TCPWrap`, the libuv-shaped layer its node:net runs on), found through
 * `process.binding`: what HandleSocket.ts needs of them, checked once.
 */
import process from "node:process"

/** A native TCP handle (ext/node/ops/tcp_wrap.rs, stream_wrap.rs); `owner` is the adapter's socket on it. */
export interface TcpHandle<Owner = unknown> {
  onread: ((this: TcpHandle<Owner>) => void) | null
  onconnection: ((status: number, client: TcpHandle<Owner> | undefined) => void) | null
  owner: Owner | undefined
  readStart(): number
  readStop(): number
  useUserBuffer(buffer: Uint8Array): void
  writeBuffer(req: object, data: Uint8Array): number
  shutdown(req: object): number
  close(): void
  setNoDelay(noDelay: boolean): number
  bindWithFlags(host: string, port: number, flags: number): number
  bind6(host: string, port: number, flags: number): number
  listen(backlog: number): number
  getsockname(out: { address?: string; port?: number }): number
  getpeername(out: { address?: string; port?: number }): number
}

/** What the bindings provide; found once (see `findHandles`). */
export interface Handles {
  readonly TCP: new (type: number) => TcpHandle
  readonly setupListenWrap: (server: object) => void
  readonly serverType: number
  readonly reusePortFlag: number
  readonly state: Int32Array
  readonly readBytesOrError: number
  readonly lastWriteWasAsync: number
}

const STREAM_METHODS = ["readStart", "readStop", "useUserBuffer", "writeBuffer", "shutdown", "setNoDelay"]

/** The bindings, or undefined where this Deno lacks any part of them (its node:net is then not this layer). */
export const findHandles = (): Handles | undefined => {
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding
    if (typeof binding !== "function") return undefined
    const tcp = binding.call(process, "tcp_wrap") as Record<string, unknown>
    const stream = binding.call(process, "stream_wrap") as Record<string, unknown>
    const TCP = tcp.TCP as Handles["TCP"] | undefined
    const constants = tcp.constants as Record<string, unknown> | undefined
    const ok =
      typeof TCP === "function" &&
      STREAM_METHODS.every((name) => typeof (TCP.prototype as Record<string, unknown>)[name] === "function") &&
      typeof tcp.setupListenWrap === "function" &&
      typeof constants?.SERVER === "number" &&
      typeof constants.UV_TCP_REUSEPORT === "number" &&
      stream.streamBaseState instanceof Int32Array &&
      typeof stream.kReadBytesOrError === "number" &&
      typeof stream.kLastWriteWasAsync === "number"
    if (!ok) return undefined
    return {
      TCP,
      setupListenWrap: tcp.setupListenWrap as Handles["setupListenWrap"],
      serverType: constants.SERVER as number,
      reusePortFlag: constants.UV_TCP_REUSEPORT as number,
      state: stream.streamBaseState as Int32Array,
      readBytesOrError: stream.kReadBytesOrError as number,
      lastWriteWasAsync: stream.kLastWriteWasAsync as number
    }
  } catch {
    return undefined
  }
}
