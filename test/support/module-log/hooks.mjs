// A module resolve hook that appends each resolved URL to the file named by DATAPIPE_MODULE_LOG,
// so a test can tell which packages an entrypoint loaded (https://nodejs.org/api/module.html#hooks).
import { appendFileSync } from 'node:fs';
import process from 'node:process';

const log = process.env.DATAPIPE_MODULE_LOG;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
