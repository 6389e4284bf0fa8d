import { EXIT } from '../../shared/errors.js';

/**
 * yargs' failure handler: a usage mistake is one line naming the problem and pointing at --help,
 * exit 2 (retrying will not help).
 */
export function usageFailure(program: string) {
  return (message: string | null, error: Error | null): never => {
    const text = (message ?? error?.message ?? 'invalid arguments').split('\n')[0];
    process.stderr.write(`${program}: ${text} — see \`${program} --help\`\n`);
    process.exit(EXIT.usage);
  };
}
