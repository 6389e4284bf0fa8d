import { describe, expect, it } from 'vitest';
import { destinationSchema } from '../../../shared/config/destination-schema.js';

const aws = (extra: Record<string, unknown>) => ({
  cloud: 'aws',
  aws: { region: 'eu-west-1', bucket: 'staging', redshift: { workgroup_name: 'wg', database: 'dev', schema: 'raw', iam_role: 'default' }, ...extra },
});

describe('destination.aws: endpoint and force_path_style', () => {
  it('are optional, and absent when not written', () => {
    const parsed = destinationSchema.parse(aws({}));
    expect(parsed.aws).not.toHaveProperty('endpoint');
    expect(parsed.aws).not.toHaveProperty('force_path_style');
  });

  it('take an http(s) URL and a flag, also as the text ${VAR} gives', () => {
    expect(destinationSchema.parse(aws({ endpoint: 'http://127.0.0.1:5000', force_path_style: 'true' })).aws)
      .toMatchObject({ endpoint: 'http://127.0.0.1:5000', force_path_style: true });
    expect(destinationSchema.parse(aws({ endpoint: 'https://minio.internal:9000/s3', force_path_style: false })).aws)
      .toMatchObject({ endpoint: 'https://minio.internal:9000/s3', force_path_style: false });
  });

  it('refuse what is not an http(s) URL, saying what to write', () => {
    for (const endpoint of ['127.0.0.1:5000', 's3://bucket', 'http://user:pw@host', 'ftp://host']) {
      const result = destinationSchema.safeParse(aws({ endpoint }));
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['aws.endpoint', 'is not an http(s) URL — write e.g. https://s3.example.internal:9000, or remove it to use AWS S3'],
      ]);
    }
  });
});
