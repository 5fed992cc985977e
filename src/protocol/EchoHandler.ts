/**
 * The echo server's per-connection behaviour, written once for every runtime:
 * write back what arrives; when the kernel pushes back, stop reading until the
 * queue drains, so a slow reader cannot make the server buffer without bound.
 *
 * The handlers are one small object per connection whose five functions are
 * shared by all connections (they find the socket and counters on `this`), so
 * a connection costs no closures: adapters call them as methods
 * (`handlers.onData(bytes)`), as the contract's callers all do.
 */
import type { Socket, SocketHandlers } from "../transport/Transport.ts"

/** Counters an echo server keeps; plain numbers, bumped on the hot path. */
export interface EchoStats {
  accepted: number
  open: number
  bytesEchoed: number
  errors: number
}

export const makeEchoStats = (): EchoStats => ({ accepted: 0, open: 0, bytesEchoed: 0, errors: 0 })

interface EchoConnection extends SocketHandlers {
  readonly socket: Socket
  readonly stats: EchoStats
}

function onData(this: EchoConnection, bytes: Uint8Array): void {
  this.stats.bytesEchoed += bytes.length
  if (!this.socket.write(bytes)) this.socket.pause()
}
function onDrain(this: EchoConnection): void {
  this.socket.resume()
}
function onEnd(this: EchoConnection): void {
  this.socket.end()
}
function onError(this: EchoConnection): void {
  this.stats.errors++
}
function onClose(this: EchoConnection): void {
  this.stats.open--
}

/** Handlers for one accepted socket. */
export const echoHandlers = (socket: Socket, stats: EchoStats): SocketHandlers => {
  stats.accepted++
  stats.open++
  const connection: EchoConnection = { socket, stats, onData, onDrain, onEnd, onError, onClose }
  return connection
}
