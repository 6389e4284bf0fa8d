/**
 * Python source for values that come from config.yaml. Every string is written through
 * JSON.stringify: a JSON string literal is also a valid Python string literal with the same value
 * (the same escapes: \" \\ \n \t \uXXXX), so no value can end a literal early or inject code.
 * Names that become Python syntax (keyword arguments) are checked instead of escaped.
 */

/** Python code written as is: only for expressions built here, never from config text. */
export class PythonCode {
  constructor(readonly code: string) {}
}

/** A value `pythonLiteral` can write. */
export type PythonValue = string | number | boolean | null | PythonCode | readonly PythonValue[] | { readonly [key: string]: PythonValue };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield',
]);

/** A Python string literal with the value `text`. */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/** `name` when it can be a Python keyword argument; throws otherwise (a bug here, never user input). */
export function pythonIdentifier(name: string): string {
  if (!IDENTIFIER.test(name) || KEYWORDS.has(name)) throw new Error(`not a Python identifier: ${JSON.stringify(name)}`);
  return name;
}

/**
 * `value` as Python source. Short values stay on one line; a list or dict that would pass `width`
 * columns is written one item per line, four spaces deeper than `indent` (the column its line
 * starts at) — as a formatter would, so the generated file reads as hand-written code. `lead` is
 * how many characters precede the value on its first line.
 */
export function pythonLiteral(value: PythonValue, indent = 0, lead = 0, width = 100): string {
  const inline = inlineLiteral(value);
  // +1: the comma that usually follows.
  if (indent + lead + inline.length + 1 <= width || !isContainer(value)) return inline;
  const pad = ' '.repeat(indent + 4);
  const close = ' '.repeat(indent);
  if (Array.isArray(value)) {
    const items = (value as readonly PythonValue[]).map((item) => `${pad}${pythonLiteral(item, indent + 4, 0, width)},`);
    return `[\n${items.join('\n')}\n${close}]`;
  }
  const entries = Object.entries(value as Record<string, PythonValue>).map(([key, item]) => {
    const name = pythonString(key);
    return `${pad}${name}: ${pythonLiteral(item, indent + 4, name.length + 2, width)},`;
  });
  return `{\n${entries.join('\n')}\n${close}}`;
}

function inlineLiteral(value: PythonValue): string {
  if (value instanceof PythonCode) return value.code;
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`only whole numbers are written to DAGs, got ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${(value as readonly PythonValue[]).map(inlineLiteral).join(', ')}]`;
  const entries = Object.entries(value as Record<string, PythonValue>).map(([key, item]) => `${pythonString(key)}: ${inlineLiteral(item)}`);
  return `{${entries.join(', ')}}`;
}

function isContainer(value: PythonValue): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof PythonCode);
}

/** A call `callee(name=value, …)` with checked keyword names, e.g. `k8s.V1ResourceRequirements(requests={…})`. */
export function pythonCall(callee: string, kwargs: Record<string, PythonValue>): PythonCode {
  const args = Object.entries(kwargs).map(([name, value]) => `${pythonIdentifier(name)}=${inlineLiteral(value)}`);
  return new PythonCode(`${callee}(${args.join(', ')})`);
}
