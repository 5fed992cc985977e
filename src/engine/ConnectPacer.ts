/**
 * Opens N streams with at most K connects in flight, each cut off at the
 * connect timeout by the adapter, so a server with a small accept backlog is
 * not overrun. Used by the flood and the saturating client; the probe opens
 * its own connections on its open-loop schedule (`connectStream`).
 */
import type { Transport } from "../transport/Transport.ts"
import type { TransportError } from "../transport/TransportError.ts"
import { connectStream, type StreamTarget, type VerifiedStream } from "./VerifiedStream.ts"

export interface PacerOptions extends StreamTarget {
  readonly connections: number
  readonly connectConcurrency: number
  readonly connectTimeoutSeconds: number
}

/** The policy a pacer opens streams for. */
export interface PacerOwner<S extends VerifiedStream> {
  /** The stream for connection `index`, not yet connected. */
  newStream(index: number): S
  /** A connect settled (the stream is open when `error` is undefined); the next one starts after it returns. */
  connectSettled(stream: S, error: TransportError | undefined): void
}

export class ConnectPacer<S extends VerifiedStream> {
  /** Every stream made so far, by index. */
  readonly streams: Array<S> = []
  /** Connects that have succeeded or failed. */
  settled = 0
  private stopped = false

  constructor(
    private readonly transport: Transport["Type"],
    private readonly options: PacerOptions,
    private readonly owner: PacerOwner<S>
  ) {}

  get allSettled(): boolean {
    return this.settled === this.options.connections
  }

  start(): void {
    const first = Math.min(this.options.connectConcurrency, this.options.connections)
    for (let i = 0; i < first; i++) this.connectNext()
  }

  /** Starts no more connects. */
  stop(): void {
    this.stopped = true
  }

  /** Stops, and makes the streams never started, so the caller can fail them. */
  stopUnopened(): Array<S> {
    this.stopped = true
    const unopened: Array<S> = []
    while (this.streams.length < this.options.connections) {
      const stream = this.owner.newStream(this.streams.length)
      this.streams.push(stream)
      unopened.push(stream)
    }
    return unopened
  }

  private connectNext(): void {
    if (this.stopped || this.streams.length >= this.options.connections) return
    const stream = this.owner.newStream(this.streams.length)
    this.streams.push(stream)
    connectStream(this.transport, this.options, this.options.connectTimeoutSeconds * 1000, stream, (error) => {
      this.settled++
      this.owner.connectSettled(stream, error)
      this.connectNext()
    })
  }
}
