import { describe, expect, it } from 'vitest';
import { interpolateString, interpolateTree } from '../../../shared/config/interpolate.js';

describe('interpolateString', () => {
  const env = { HOST: 'db.internal', EMPTY: '', PORT: '1521' };

  it('replaces ${VAR} and marks the string as resolved', () => {
    expect(interpolateString('${HOST}:${PORT}/ERP', env)).toEqual({ value: 'db.internal:1521/ERP', resolved: true });
  });

  it('keeps an empty value for ${VAR} (set, even if empty)', () => {
    expect(interpolateString('[${EMPTY}]', env)).toEqual({ value: '[]', resolved: true });
  });

  it('uses the default of ${VAR:-default} when VAR is unset or empty, as the shell does', () => {
    expect(interpolateString('${NOPE:-5432}', env)).toEqual({ value: '5432', resolved: true });
    expect(interpolateString('${EMPTY:-fallback}', env)).toEqual({ value: 'fallback', resolved: true });
    expect(interpolateString('${PORT:-5432}', env)).toEqual({ value: '1521', resolved: true });
    expect(interpolateString('${NOPE:-}', env)).toEqual({ value: '', resolved: true });
    expect(interpolateString('${NOPE:-a:-b}', env)).toEqual({ value: 'a:-b', resolved: true });
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    expect(interpolateString('$${HOST} costs $5 and $$ stays', env)).toEqual({ value: '${HOST} costs $5 and $$ stays', resolved: false });
    expect(interpolateString('plain text', env)).toEqual({ value: 'plain text', resolved: false });
  });

  it('does not interpolate values again', () => {
    expect(interpolateString('${INNER}', { INNER: '${HOST}' })).toEqual({ value: '${HOST}', resolved: true });
  });

  it('names unset variables', () => {
    expect(interpolateString('${ORACLE_PASSWORD}', env)).toEqual({ error: 'environment variable ORACLE_PASSWORD is not set — export it or add it to .env' });
    expect(interpolateString('${A}/${HOST}/${B}', env)).toEqual({ error: 'environment variables A, B are not set — export them or add them to .env' });
  });

  it('rejects malformed references', () => {
    expect(interpolateString('${HOST', env)).toEqual({ error: 'unclosed "${" — close it with "}", or write "$${" for a literal "${"' });
    expect(interpolateString('${1X}', env)).toEqual({ error: '"${1X}" is not a variable reference — write ${NAME} or ${NAME:-default}, or "$${" for a literal "${"' });
    expect(interpolateString('${}', env)).toEqual({ error: '"${}" is not a variable reference — write ${NAME} or ${NAME:-default}, or "$${" for a literal "${"' });
  });
});

describe('interpolateTree', () => {
  it('interpolates every string scalar, leaves keys and other scalars, and copies the tree', () => {
    const tree = { '${KEY}': 'k', source: { port: 1521, ssl: true, password: '${PW}', hosts: ['${HOST}', 'x'] }, none: null };
    const result = interpolateTree(tree, { PW: 'secret', HOST: 'h', KEY: 'no' });
    expect(result.value).toEqual({ '${KEY}': 'k', source: { port: 1521, ssl: true, password: 'secret', hosts: ['h', 'x'] }, none: null });
    expect(result.issues).toEqual([]);
    expect([...result.resolvedPaths]).toEqual(['source.password', 'source.hosts[0]']);
    expect(tree.source.password).toBe('${PW}');
  });

  it('reports each failing string with its path and leaves it as written', () => {
    const result = interpolateTree({ tables: [{ name: 'T' }, { name: '${TABLE}' }], source: { user: '${USER_X}' } }, {});
    expect(result.issues).toEqual([
      { path: ['tables', 1, 'name'], message: 'environment variable TABLE is not set — export it or add it to .env' },
      { path: ['source', 'user'], message: 'environment variable USER_X is not set — export it or add it to .env' },
    ]);
    expect(result.value).toEqual({ tables: [{ name: 'T' }, { name: '${TABLE}' }], source: { user: '${USER_X}' } });
  });
});
