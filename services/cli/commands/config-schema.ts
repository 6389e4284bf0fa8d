import { writeFile } from 'node:fs/promises';
import { configJsonSchema } from '../../../shared/config/json-schema.js';

/** `datapipe config-schema [--out file]`: the JSON Schema editors use to autocomplete config.yaml. */
export async function configSchemaCommand(out: string | undefined): Promise<void> {
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (out) {
    await writeFile(out, text);
    process.stdout.write(`wrote ${out}\n`);
  } else {
    process.stdout.write(text);
  }
}
