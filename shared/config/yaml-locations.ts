/**
 * Line numbers for field paths, from the parsed YAML document's node ranges, so each config error
 * points at the line to edit.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath } from './field-path.js';

/** Finds lines in one parsed document. */
export class YamlLocations {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * The 1-based line of `path`: the line of its key (or its list item); when the path does not
   * exist (a missing key), the line of its deepest existing ancestor; 1 for the document itself.
   */
  lineOf(path: FieldPath): number {
    let node: unknown = this.#doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      node = this.#resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((item) => scalarKey(item.key) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.#lines.linePos(offset).line;
  }

  /** An alias (`*base`) stands for the node it names. */
  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }
}

function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
