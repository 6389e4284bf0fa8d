import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PythonCode, pythonCall, pythonIdentifier, pythonLiteral, pythonString } from '../../../services/cli/dag/python-literal.js';

/** Strings that would break naive quoting: quotes, backslashes, line ends, Jinja, non-ASCII, a lone surrogate. */
const TRICKY = [
  'plain', '', 'say "hi"', "it's", 'back\\slash', 'C:\\new\\table', 'line\nbreak\r\ttab', '"""', "'''", '\\"; import os; #',
  '{{ run_id }}', 'ñandú — 数据', '\u2028\u2029', '\u0000\u001f\u007f', '😀', '\ud800',
];

const python = spawnSync('python3', ['-c', 'import ast'], { encoding: 'utf8' }).status === 0 ? 'python3' : undefined;
if (!python) console.warn('[python-literal] skipping the Python round trip: no python3 on PATH');

describe('Python literals', () => {
  it('writes strings as JSON string literals', () => {
    expect(pythonString('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(pythonString('{{ run_id }}')).toBe('"{{ run_id }}"');
  });

  it.skipIf(!python)('every tricky string reads back in Python as exactly the same string', () => {
    const source = `[${TRICKY.map(pythonString).join(', ')}]`;
    const script = 'import ast, json, sys; value = ast.literal_eval(sys.stdin.read()); print(json.dumps(value))';
    const result = spawnSync(python!, ['-c', script], { input: source, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(TRICKY);
  });

  it('writes None, booleans, whole numbers, lists, dicts and code', () => {
    expect(pythonLiteral({ a: null, b: true, c: false, d: 3, e: ['x', 1], f: new PythonCode('timedelta(minutes=5)') }))
      .toBe('{"a": None, "b": True, "c": False, "d": 3, "e": ["x", 1], "f": timedelta(minutes=5)}');
    expect(() => pythonLiteral(1.5)).toThrow('only whole numbers are written to DAGs, got 1.5');
  });

  it('breaks a container past the width into one item per line, four spaces deeper', () => {
    const wide = { first: 'a'.repeat(40), second: ['b'.repeat(40), 'c'.repeat(40)] };
    expect(pythonLiteral(wide, 4, 0, 60)).toBe([
      '{',
      `        "first": "${'a'.repeat(40)}",`,
      '        "second": [',
      `            "${'b'.repeat(40)}",`,
      `            "${'c'.repeat(40)}",`,
      '        ],',
      '    }',
    ].join('\n'));
  });

  it('calls take checked keyword names only', () => {
    expect(pythonCall('k8s.V1ResourceRequirements', { requests: { cpu: '1' } }).code).toBe('k8s.V1ResourceRequirements(requests={"cpu": "1"})');
    expect(pythonIdentifier('service_account_name')).toBe('service_account_name');
    for (const bad of ['class', 'a-b', '1x', 'x y', '']) expect(() => pythonIdentifier(bad)).toThrow(`not a Python identifier: ${JSON.stringify(bad)}`);
  });
});
