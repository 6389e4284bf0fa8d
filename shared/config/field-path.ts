/**
 * Field paths as users read them in messages: `source.connection.password`, `tables[0].load_mode`,
 * `tables[0].columns.MONTO.type`. One spelling everywhere, so a message can be searched for.
 */

/** A path into the parsed config: object keys and array indexes, as zod and `yaml` use them. */
export type FieldPath = readonly PropertyKey[];

const PLAIN_KEY = /^[A-Za-z_$#][A-Za-z0-9_$#-]*$/;

/** `['tables', 0, 'load_mode']` → `tables[0].load_mode`; keys that are not plain words are quoted. */
export function formatPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) text += text === '' ? key : `.${key}`;
      else text += `[${JSON.stringify(key)}]`;
    }
  }
  return text;
}

/** The value at `path` inside a plain JS tree, or undefined when any step is missing. */
export function valueAt(tree: unknown, path: FieldPath): unknown {
  let node = tree;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}
