/**
 * The echo server's per-connection behaviour, written once for every runtime:
 * write back what arrives; when the kernel pushes back, stop reading until the
 * queue drains, so a slow reader cannot make the server buffer without bound.
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

/** Handlers for one accepted socket. */
export const echoHandlers = (socket: Socket, stats: EchoStats): SocketHandlers => {
  stats.accepted++
  stats.open++
  return {
    onData: (bytes) => {
      stats.bytesEchoed += bytes.length
      if (!socket.write(bytes)) socket.pause()
    },
    onDrain: () => socket.resume(),
    onEnd: () => socket.end(),
    onError: () => {
      stats.errors++
    },
    onClose: () => {
      stats.open--
    }
  }
}
