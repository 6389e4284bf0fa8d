/**
 * JSON bodies as the service writes them. Two things JSON.stringify cannot do: a `long` wider than
 * 2^53 written with all its digits (a Field's longValue from an int8 column — the SDK then parses
 * it with JSON.parse and loses precision beyond 2^53, exactly as it does against the real service),
 * and timestamps as epoch seconds, awsJson1_1's default timestamp format
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html, "Shape serialization").
 */

/** A number written verbatim (`12345678901234567890`, `"NaN"` for non-finite doubles is the caller's job). */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** Epoch seconds with milliseconds, as awsJson1_1 serializes a timestamp. */
export function epochSeconds(ms: number): RawNumber {
  return new RawNumber((ms / 1000).toFixed(3));
}

/** Serializes plain JSON values plus RawNumber; undefined members are left out. */
export function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => toJson(item === undefined ? null : item)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .map(([key, member]) => `${JSON.stringify(key)}:${toJson(member)}`);
  return `{${members.join(',')}}`;
}
