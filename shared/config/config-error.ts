import { TerminalError } from '../errors.js';

/**
 * Everything wrong with a config file, one line per problem
 * (`<file>:<line>: <field.path>: <what is wrong> — <the fix>`).
 *
 * `message` is the first problem alone, plus a count of the others, so it stands as the user's one
 * line wherever errors are printed (exit code 2, like any TerminalError); `issues` holds every
 * line, and `report()` the block `datapipe validate` prints.
 */
export class ConfigError extends TerminalError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], options?: { cause?: unknown }) {
    const [first = 'invalid config', ...rest] = issues;
    super(rest.length === 0 ? first : `${first} (and ${rest.length} more)`, options);
    this.issues = issues;
  }

  /** Up to `limit` problems, one per line, then how many were left out. */
  report(limit = 5): string {
    const shown = this.issues.slice(0, limit);
    const hidden = this.issues.length - shown.length;
    return hidden > 0 ? [...shown, `… and ${hidden} more`].join('\n') : shown.join('\n');
  }
}
