/**
 * The figures the original benchmark gives in its text: its 2017 update
 * lists one time per server for 32,768 connections × 512 KiB (the 2010 graph
 * and vmstat table were images, so they are not here). Each is mapped to the
 * echoflood target that plays that server today; C epoll stands in for
 * Scale Stack, whose source is not available.
 */
export const originalSource = {
  title: "Scale Stack vs node.js vs Twisted vs Eventlet",
  published: "2010, with an update of August 6, 2017",
  machine: "2.4 GHz Core 2 Duo laptop, 4 GB, Ubuntu 10.04; one core for the server, one for the client",
  cell: { connections: 32768, bytesPerConnection: 524288 }
} as const

export interface OriginalFigure {
  /** The server as the original names it. */
  readonly server: string
  /** The echoflood target that plays it today. */
  readonly target: string
  readonly seconds: number
}

export const originalFigures: ReadonlyArray<OriginalFigure> = [
  { server: "Scale Stack", target: "c-epoll", seconds: 50.25 },
  { server: "node.js", target: "node-raw", seconds: 117.04 },
  { server: "Twisted", target: "twisted", seconds: 89.46 },
  { server: "Eventlet", target: "eventlet", seconds: 77.8 },
  { server: "Erlang", target: "erlang", seconds: 61.65 },
  { server: "Python threads", target: "python-threads", seconds: 111.04 },
  { server: "Go v1", target: "go-copy", seconds: 62.95 },
  { server: "Go v2", target: "go-buffer", seconds: 59.73 }
]
