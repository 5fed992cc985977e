/**
 * Handing an accepted socket to the server's owner, the same on both of the
 * Deno adapter's socket layers (native handles and `Deno.Conn`).
 */
import type { ListenOptions, Socket, SocketHandlers } from "../../src/transport/Transport.ts"

/** An accepted socket that starts reading once it has its owner's handlers. */
export interface AcceptedSocket extends Socket {
  close(error: undefined): void
  start(handlers: SocketHandlers): void
}

/** Asks the owner for the socket's handlers and starts it; a throwing owner closes the socket (nothing else would). */
export const handOver = (socket: AcceptedSocket, onAccept: ListenOptions["onAccept"]): void => {
  let handlers: SocketHandlers
  try {
    handlers = onAccept(socket)
  } catch (cause) {
    socket.close(undefined)
    throw cause
  }
  socket.start(handlers)
}
