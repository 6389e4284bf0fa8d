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
 * partial. A second signal exits at once.
 */
export function shutdownSignal(log: Logger): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    log.warn({ signal }, 'stopping: the current run is abandoned and will not be published');
    controller.abort(new TransientError(`stopped by ${signal} before the run finished; nothing was published — re-run it`));
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  return controller.signal;
}
