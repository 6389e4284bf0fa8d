/**
 * `${VAR}` / `${VAR:-default}` in config.yaml (docs/architecture.md, "Configuration": credentials only
 * through the environment). Applied after YAML parsing to every string scalar, so a value can never
 * change the document's structure, and every problem can be reported with its field path.
 */
import { formatPath, type FieldPath } from './field-path.js';

/** The environment variables interpolation reads from (`process.env` in production). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A reference that could not be resolved: where, and the message (naming the variable, never a value). */
export interface InterpolationIssue {
  path: FieldPath;
  message: string;
}

export interface InterpolationResult {
  /** The tree with every reference replaced (a copy; the input is not modified). */
  value: unknown;
  issues: InterpolationIssue[];
  /**
   * Formatted paths (see formatPath) of the strings that took a value from the environment.
   * Error messages must not echo the values at these paths: they may be secrets.
   */
  resolvedPaths: Set<string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces references in every string of a parsed YAML tree; keys are left alone.
 * `${VAR}` is VAR's value (an empty value counts as set); `${VAR:-default}` falls back to the
 * default when VAR is unset or empty, as in the shell; `$${` is a literal `${`.
 */
export function interpolateTree(tree: unknown, env: Environment): InterpolationResult {
  const issues: InterpolationIssue[] = [];
  const resolvedPaths = new Set<string>();

  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, env);
      if ('error' in result) {
        issues.push({ path, message: result.error });
        return node;
      }
      if (result.resolved) resolvedPaths.add(formatPath(path));
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) copy[key] = walk(value, [...path, key]);
      return copy;
    }
    return node;
  };

  return { value: walk(tree, []), issues, resolvedPaths };
}

/** One string's interpolation: its value and whether anything came from the environment, or why it failed. */
export type StringInterpolation = { value: string; resolved: boolean } | { error: string };

/** Interpolates one string (see interpolateTree for the syntax). */
export function interpolateString(text: string, env: Environment): StringInterpolation {
  let out = '';
  let resolved = false;
  const missing: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      return { error: 'unclosed "${" — close it with "}", or write "$${" for a literal "${"' };
    }
    const body = text.slice(i + 2, close);
    const separator = body.indexOf(':-');
    const name = separator < 0 ? body : body.slice(0, separator);
    if (!NAME.test(name)) {
      return { error: `"\${${body}}" is not a variable reference — write \${NAME} or \${NAME:-default}, or "$\${" for a literal "\${"` };
    }
    const value = env[name];
    if (separator < 0) {
      if (value === undefined) missing.push(name);
      else out += value;
    } else {
      // Shell semantics: `:-` also replaces an empty value.
      out += value === undefined || value === '' ? body.slice(separator + 2) : value;
    }
    resolved = true;
    i = close + 1;
  }
  if (missing.length === 1) {
    return { error: `environment variable ${missing[0]} is not set — export it or add it to .env` };
  }
  if (missing.length > 1) {
    return { error: `environment variables ${missing.join(', ')} are not set — export them or add them to .env` };
  }
  return { value: out, resolved };
}

/** A `${NAME}` / `${NAME:-default}` reference found in a string. */
export interface VariableReference {
  name: string;
  /** `${NAME:-default}`: the value is optional. */
  hasDefault: boolean;
}

/**
 * The variables `text` references, in order, by the grammar interpolateString applies (`$${` is a
 * literal, not a reference; malformed references are skipped — interpolation reports them).
 * Used to tell what a pod's environment must provide without reading any value.
 */
export function variableReferences(text: string): VariableReference[] {
  const found: VariableReference[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      i += 3;
      continue;
    }
    const close = text.startsWith('${', i) ? text.indexOf('}', i + 2) : -1;
    if (close < 0) {
      i += 1;
      continue;
    }
    const body = text.slice(i + 2, close);
    const separator = body.indexOf(':-');
    const name = separator < 0 ? body : body.slice(0, separator);
    if (NAME.test(name)) found.push({ name, hasDefault: separator >= 0 });
    i = close + 1;
  }
  return found;
}
