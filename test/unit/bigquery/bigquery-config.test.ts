import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/config-error.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { SEED_ENV, SEED_YAML, writeConfig } from '../config/config-files.js';

async function gcpBlock(extra: string) {
  const file = await writeConfig(SEED_YAML.replace('location: us-central1 }', `location: us-central1, ${extra} }`));
  return { file, load: () => loadConfig(file, SEED_ENV) };
}

describe('destination.gcp partition_granularity and stage_expiration_hours', () => {
  it('are absent unless written (the warehouse defaults them to DAY and 24)', async () => {
    const { load } = await gcpBlock('prefix: raw');
    expect((await load()).config.destination.gcp).toEqual({
      project_id: 'empresa-datalake-prod', dataset: 'raw_ventas', bucket: 'empresa-staging-bucket', location: 'us-central1', prefix: 'raw',
    });
  });

  it('take BigQuery granularities and whole hours (digits from ${VAR} too)', async () => {
    const { load } = await gcpBlock('partition_granularity: MONTH, stage_expiration_hours: "48"');
    expect((await load()).config.destination.gcp).toMatchObject({ partition_granularity: 'MONTH', stage_expiration_hours: 48 });
  });

  it('reject anything else in one line naming the field and the fix', async () => {
    const granularity = await gcpBlock('partition_granularity: day');
    const wrong = await granularity.load().then(() => undefined, (e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConfigError);
    expect((wrong as ConfigError).issues).toEqual([
      `${granularity.file}:10: destination.gcp.partition_granularity: "day" is not allowed here (did you mean "DAY"?) — write DAY, HOUR, MONTH or YEAR`,
    ]);
    const hours = await gcpBlock('stage_expiration_hours: 0');
    const zero = await hours.load().then(() => undefined, (e: unknown) => e);
    expect((zero as ConfigError).issues).toEqual([
      `${hours.file}:10: destination.gcp.stage_expiration_hours: must be a whole number from 1 to 720 — write e.g. 24`,
    ]);
  });
});
