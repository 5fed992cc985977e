/**
 * One `target.json` per echo server under `adapters/`, in the spirit of
 * TechEmpower's benchmark_config.json. Our own TS servers and the external
 * frameworks are described alike, so the runner treats every target the same.
 *
 * Commands are argv arrays (no shell). Placeholders, replaced before running:
 *   {host}    the address to listen on: 127.0.0.1, or the test host's or
 *             server host's address when the server runs apart from the client
 *   {port}    the port to listen on
 *   {backlog} the listen backlog to ask for (32768 unless told otherwise)
 *   {dir}     the absolute path of the folder holding target.json
 *   {root}    the absolute path of the repository
 *   {node} {bun} {deno}  the absolute path of that runtime's binary
 *   {tsx}     the absolute path of tsx's loader, for `{node} --import {tsx} file.ts`
 *   {build}   {root}/build/<name>, where build steps put their output
 *   {processes} how many processes share the port (in `processes.start`)
 */
import * as Schema from "effect/Schema"

export const TargetKind = Schema.Literal(
  /** Our Effect-core echo server on a JS runtime. */
  "effect-core",
  /** An echo server written directly on a JS runtime's socket API. */
  "raw",
  /** A framework server from another language. */
  "external"
)

export const TargetManifest = Schema.Struct({
  /** Unique id, lower-case with dashes; also the folder name. */
  name: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]*$/)),
  displayName: Schema.String,
  kind: TargetKind,
  language: Schema.String,
  /** Runtime or framework, e.g. "Node.js net", "Twisted", "Go net". */
  framework: Schema.String,
  /** argv printing the version on stdout or stderr; first line is kept. */
  version: Schema.Array(Schema.String),
  /** Binaries that must be on PATH (or absolute) for the target to be available. */
  requires: Schema.Array(Schema.String),
  /**
   * argv that exits 0 only when the target can really run here: the Python
   * module imports, the runtime binary runs, the toolchain works. Without
   * it, the version command is the check. When it fails the target is
   * skipped with the install command and the check's last line of output.
   */
  check: Schema.optional(Schema.Array(Schema.String)),
  /** Debian packages that provide `requires`. */
  debianPackages: Schema.Array(Schema.String),
  /** Build step, run once before starting; its output goes under {build}. */
  build: Schema.optional(Schema.Array(Schema.String)),
  /** Start command; must listen on {host}:{port} and print "listening on {host}:{port}". */
  start: Schema.Array(Schema.String),
  /** Extra environment for the start command. */
  env: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** Seconds to wait for the readiness check (connect + verified echo of one chunk). */
  readyTimeoutSeconds: Schema.Number.pipe(Schema.positive()),
  /** Seconds between SIGTERM and SIGKILL when the server is stopped (default 5). */
  stopGraceSeconds: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /** Whether several processes can share the port (SO_REUSEPORT). */
  reusePort: Schema.Boolean,
  /**
   * How the target runs as several processes on one port, the way past one
   * process's open-files limit. "reuseport": each of K processes runs `start`
   * + `args` and sets SO_REUSEPORT (needs `reusePort`); "cluster": one
   * `start` + `args` forks {processes} workers that share the listening
   * socket. `start` here, when given, replaces the top-level `start` for
   * several processes (a cluster wrapper, a runtime flag the option needs).
   * Absent: one process only, so cells needing more are skipped.
   */
  processes: Schema.optional(
    Schema.Struct({
      mode: Schema.Literal("reuseport", "cluster"),
      start: Schema.optional(Schema.Array(Schema.String)),
      args: Schema.Array(Schema.String)
    })
  ),
  /**
   * Open files one connection holds in the server (default 1): go-copy's
   * splice keeps a pipe pair per connection, 3 files. Plans K from it.
   */
  filesPerConnection: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.positive())),
  /**
   * The server starts an OS thread per connection (Python threads): each one
   * takes a pid, so kernel.pid_max and kernel.threads-max bound how many
   * connections it can hold; cells above them are skipped with the fix.
   */
  threadPerConnection: Schema.optional(Schema.Boolean),
  /** Sets TCP_NODELAY on accepted sockets. */
  noDelay: Schema.Boolean,
  /** The listen backlog the server really gets, when capped below {backlog}. */
  maxBacklog: Schema.optional(Schema.Number),
  /** The target this one is a variant of (e.g. eventlet-nodelay → eventlet). */
  variantOf: Schema.optional(Schema.String),
  /** What a reader of the results should know (quirks, stalls, limits). */
  notes: Schema.Array(Schema.String)
})
export type TargetManifest = typeof TargetManifest.Type
