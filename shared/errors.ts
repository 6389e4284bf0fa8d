/**
 * The two kinds of failure DataPipe distinguishes, and the exit codes that follow from them
 * (docs/architecture.md, "Exit codes"): 0 done · 1 failed, safe to retry · 2 usage or config error ·
 * 3 data contract broken.
 */

export const EXIT = { ok: 0, transient: 1, usage: 2, contract: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base class: `message` is the one line a user sees; `cause` carries the driver error for debug logs. */
export abstract class DataPipeError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying may help: network, lost connection, throttling, a service that is briefly unavailable. */
export class TransientError extends DataPipeError {
  readonly exitCode = EXIT.transient;
}

/** Retrying will not help: a malformed config, a missing variable, an unknown table, bad credentials. */
export class TerminalError extends DataPipeError {
  readonly exitCode = EXIT.usage;
}

/**
 * The data broke its contract: schema drift, a value that does not fit its declared type,
 * a stage row count that differs from the manifest.
 */
export class ContractError extends DataPipeError {
  readonly exitCode = EXIT.contract;
}

/** A conditional write lost the race (another writer changed the object first). */
export class PreconditionFailedError extends TransientError {}

/**
 * Another process holds the write lock of an object (stores that lock to write conditionally).
 * Not a lost race: nothing changed yet. The message names the holder and when the lock turns stale.
 */
export class LockBusyError extends TransientError {}

/** The exit code for anything thrown: unknown errors count as transient (exit 1), the safe default. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof DataPipeError ? error.exitCode : EXIT.transient;
}

/** One line for the user: our own messages as they are, anything else prefixed so it is recognisable. */
export function userMessage(error: unknown): string {
  if (error instanceof DataPipeError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${text.split('\n')[0]}`;
}
