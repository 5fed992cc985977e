/**
 * The process exit code from how the program ended, by the error's tag:
 * 0 everything verified, 1 a measurement failed, 2 a usage error (found
 * before any traffic), 3 the environment (limits, toolchain, port in use,
 * nothing listening, cores busy), 130 interrupted. An error not listed here is a
 * measurement failure (1).
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"

/**
 * A flood or saturation that ran and did not verify (exit 1); its summary,
 * already printed as a report, is the message.
 *
 * @category errors
 */
export class MeasurementFailed extends Data.TaggedError("MeasurementFailed")<{ readonly summary: string }> {
  override get message() {
    return this.summary
  }
}

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_ENVIRONMENT = 3
export const EXIT_INTERRUPTED = 130

const USAGE = new Set([
  "InvalidOption",
  "UnknownTarget",
  "UsageError",
  "InvalidManifest",
  "RunFileUnreadable",
  "ReportInputError",
  "InvalidRuntimeSpec",
  "UnknownRuntimeVersion",
  "WorkerResultUnreadable",
  "MergeRefused"
])

const ENVIRONMENT = new Set([
  "TargetUnavailable",
  "RuntimeNotFound",
  "AddressInUse",
  "ConnectionRefused",
  "NothingListening",
  "TooManyOpenFiles",
  "TuneFailed",
  "SetupFailed",
  "BuildFailed",
  "NativeClientMissing",
  "RuntimeVersionNotInstalled",
  "RuntimeInstallFailed",
  "TestHostError",
  "SshHostError",
  "CoresBusy"
])

/** The exit code for one failure value. */
export const exitCodeOfError = (error: unknown): number => {
  if (ValidationError.isValidationError(error)) return EXIT_USAGE
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
  return USAGE.has(tag) ? EXIT_USAGE : ENVIRONMENT.has(tag) ? EXIT_ENVIRONMENT : EXIT_FAILED
}

/** The exit code for how the whole program ended. */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return EXIT_OK
  if (Cause.isInterruptedOnly(exit.cause)) return EXIT_INTERRUPTED
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) return exitCodeOfError(failure.value)
  return Cause.isInterrupted(exit.cause) && !Cause.isDie(exit.cause) ? EXIT_INTERRUPTED : EXIT_FAILED
}
