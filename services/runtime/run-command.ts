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

/**
 * An AbortSignal fired by SIGTERM / SIGINT, so a run stops between batches and publishes nothing
 * partial. A run blocked on I/O may never reach a batch boundary, so after `graceMs` the process
 * exits anyway (exit 1: nothing was published, a retry is safe); a second signal exits at once.
 * Handlers are installed explicitly because node as a container's PID 1 ignores SIGTERM otherwise.
 */
export function shutdownSignal(log: Logger, graceMs = 10_000): AbortSignal {
  const controller = new AbortController();
  const exitNow = (reason: string): never => {
    process.stderr.write(`datapipe: ${reason} — nothing partial is left visible; re-running it is safe\n`);
    process.exit(EXIT.transient);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) exitNow(`stopped by a second ${signal}`);
    log.warn({ signal }, 'stopping: the current run is abandoned and will not be published');
    controller.abort(new TransientError(`stopped by ${signal} before the run finished; nothing was published — re-run it`));
    setTimeout(() => exitNow(graceMs > 0 ? `stopped by ${signal}; the run did not stop within ${graceMs / 1000} s and was ended` : `stopped by ${signal} before the run finished`), graceMs).unref();
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  return controller.signal;
}
