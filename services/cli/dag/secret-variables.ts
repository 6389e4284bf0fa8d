/**
 * The environment a pod needs: every `${VAR}` its config.yaml references. The extractor and loader
 * interpolate the whole baked config at start (an unset variable anywhere is an error), so every
 * reference counts, not only the connection fields. Read from the file's text: the values are
 * never looked at, so they cannot reach a DAG.
 */
import { parse } from 'yaml';
import { variableReferences } from '../../../shared/config/interpolate.js';

/** One variable the pods read from the Kubernetes Secret. */
export interface SecretVariable {
  name: string;
  /** Every reference has a `:-default`: the pod starts without the key. */
  optional: boolean;
}

/** The variables referenced in `yamlText`'s string values, sorted by name. */
export function secretVariables(yamlText: string): SecretVariable[] {
  const optional = new Map<string, boolean>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const ref of variableReferences(node)) optional.set(ref.name, (optional.get(ref.name) ?? true) && ref.hasDefault);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node !== null && typeof node === 'object') {
      Object.values(node).forEach(visit);
    }
  };
  // Same options as loadConfig, so `<<: *defaults` merges are seen the same way.
  visit(parse(yamlText, { merge: true, prettyErrors: false }));
  return [...optional.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, isOptional]) => ({ name, optional: isOptional }));
}
