/**
 * The full-size read buffers of the `Deno.Conn` path (OpSocket.ts), and the line of sockets waiting for one.
 * A pending Deno read pins the buffer it was given and cannot be withdrawn, so the pool has a byte budget:
 * once it is used up, sockets line up (first come, first served) and each socket that finishes an echo hands
 * its buffer to the head of the line. If no buffer comes back for STUCK_MS (the holders wait on quiet
 * sockets), the pool lends beyond its budget, so no socket starves.
 */

/** What the pool needs of a socket in its line. */
export interface PoolClient {
  readonly closed: boolean
  /** The pool hands over a buffer the socket waited for. */
  grant(buffer: Uint8Array): void
}

/**
 * How long the line may wait with no buffer given back before the pool lends a quarter of its budget
 * more: long enough that a busy machine's scheduling gaps do not trigger it, far below a stall timeout.
 */
const STUCK_MS = 250

export class ReadPool {
  /** Buffers handed out now. */
  held = 0
  private readonly free: Array<Uint8Array> = []
  private readonly line: Array<PoolClient | undefined> = []
  private head = 0
  /** Buffers given back so far: the stuck check compares it. */
  private returned = 0
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  private returnedAtArm = 0

  constructor(
    readonly size: number,
    /** Buffers. */
    readonly limit: number
  ) {}

  /** Someone waits in line. */
  get contended(): boolean {
    return this.head < this.line.length
  }

  /** Three quarters of the limit are handed out: sockets whose last read fell short give theirs back. */
  get pressed(): boolean {
    return this.held * 4 > this.limit * 3
  }

  /** A buffer now, or null: the socket is put in line and `grant`ed one later. */
  acquire(client: PoolClient): Uint8Array | null {
    if (this.held < this.limit && !this.contended) {
      this.held++
      return this.free.pop() ?? new Uint8Array(this.size)
    }
    this.line.push(client)
    this.arm()
    return null
  }

  /** A socket is done with `buffer`; `reusable` false while a write may still read from it. */
  release(buffer: Uint8Array, reusable: boolean): void {
    this.returned++
    while (this.head < this.line.length) {
      const next = this.line[this.head]!
      this.line[this.head++] = undefined
      if (next.closed) continue
      next.grant(reusable ? buffer : new Uint8Array(this.size))
      this.compact()
      return
    }
    this.compact()
    this.held--
    if (reusable && this.held + this.free.length < this.limit) this.free.push(buffer)
  }

  private compact(): void {
    if (this.head === this.line.length) {
      this.line.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.line.length) {
      this.line.splice(0, this.head)
      this.head = 0
    }
  }

  private arm(): void {
    if (this.timer !== undefined) return
    this.returnedAtArm = this.returned
    this.timer = setTimeout(this.check, STUCK_MS)
    Deno.unrefTimer(this.timer as unknown as number)
  }

  /** Nothing came back for STUCK_MS: the holders wait on quiet sockets, so lend a quarter of `limit` more. */
  private readonly check = (): void => {
    this.timer = undefined
    if (!this.contended) return
    if (this.returned === this.returnedAtArm) {
      for (let lent = 0; lent < Math.max(1, this.limit >> 2) && this.contended; ) {
        const next = this.line[this.head]!
        this.line[this.head++] = undefined
        if (next.closed) continue
        this.held++
        lent++
        next.grant(this.free.pop() ?? new Uint8Array(this.size))
      }
      this.compact()
    }
    if (this.contended) this.arm()
  }
}
