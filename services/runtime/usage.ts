import { EXIT } from '../../shared/errors.js';

/**
 * yargs' failure handler: a usage mistake is one line naming the problem and pointing at --help,
 * exit 2 (retrying will not help).
 */
export function usageFailure(program: string) {
  return (message: string | null, error: Error | null): never => {
    // yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): keep them on one.
    const text = (message ?? error?.message ?? 'invalid arguments').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    process.stderr.write(`${program}: ${text} — see \`${program} --help\`\n`);
    process.exit(EXIT.usage);
  };
}
