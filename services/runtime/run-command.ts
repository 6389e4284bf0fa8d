import { EXIT, TransientError, exitCodeOf, userMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

/**
 * Runs an entrypoint's body and turns its outcome into the documented exit code. A failure is one
 * line on stderr (`datapipe: …`, never a stack trace); the full error goes to the debug log.
 */
export async function runCommand(log: Logger, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    process.exitCode = EXIT.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    log.debug({ err: error }, 'failure detail');
    if (code === EXIT.transient) log.error({ exit_code: code }, userMessage(error));
    process.stderr.write(`datapipe: ${userMessage(error)}\n`);
    process.exitCode = code;
  }
}

/** A stop requested by SIGTERM / SIGINT: the signal a run watches, and the logger it reports through. */
export interface Shutdown {
  /** Aborted by the first SIGTERM / SIGINT, its reason a TransientError (exit 1). */
  readonly signal: AbortSignal;
  /** Logs the stop through `log` from now on (before, only the stderr line is written). */
  attach(log: Logger): void;
}

/**
 * Installs the SIGTERM / SIGINT handlers at once and returns the stop they request, so a run stops
 * between batches and publishes nothing partial. A run blocked on I/O may never reach a batch
 * boundary, so after `graceMs` the process exits anyway (exit 1: nothing was published, a retry is
 * safe); a second signal exits at once. Handlers are installed explicitly because node as a
 * container's PID 1 ignores SIGTERM otherwise, and first thing in an entrypoint, before its
 * modules load (hundreds of milliseconds): until a handler exists a SIGTERM kills node with no
 * line and status 143. This module imports nothing heavy for that reason.
 */
export function installShutdown(graceMs = 10_000): Shutdown {
  const controller = new AbortController();
  let log: Logger | undefined;
  const exitNow = (reason: string): never => {
    process.stderr.write(`datapipe: ${reason} — nothing partial is left visible; re-running it is safe\n`);
    process.exit(EXIT.transient);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) exitNow(`stopped by a second ${signal}`);
    log?.warn({ signal }, 'stopping: the current run is abandoned and will not be published');
    controller.abort(new TransientError(`stopped by ${signal} before the run finished; nothing was published — re-run it`));
    setTimeout(() => exitNow(graceMs > 0 ? `stopped by ${signal}; the run did not stop within ${graceMs / 1000} s and was ended` : `stopped by ${signal} before the run finished`), graceMs).unref();
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    attach: (logger) => {
      log = logger;
    },
  };
}

/** installShutdown for a caller that already has its logger: the stop's AbortSignal. */
export function shutdownSignal(log: Logger, graceMs = 10_000): AbortSignal {
  const shutdown = installShutdown(graceMs);
  shutdown.attach(log);
  return shutdown.signal;
}
