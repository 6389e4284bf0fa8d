/**
 * The few YAML forms the pipeline renderers write, so the files read as a person would write them
 * and stay deterministic: plain scalars where YAML reads them back as the same string, JSON-style
 * double quotes otherwise, `|` blocks for scripts.
 */

/** Words YAML 1.1 or 1.2 would read as something other than a string. */
const NOT_A_STRING = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|0x[0-9a-f]+|0o?[0-7]+|\.inf|\.nan)$/i;

/**
 * A scalar: plain when YAML reads it back as this very string (no leading indicator or space, no
 * `: ` or ` #`, not a word YAML would type), else double-quoted in JSON's syntax, which YAML shares.
 */
export function yamlString(text: string): string {
  const plain = text !== ''
    && !/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(text)
    && !/[\s:]$/.test(text)
    && !text.includes(': ') && !text.includes(' #')
    && !/\p{Cc}/u.test(text)
    && !NOT_A_STRING.test(text);
  return plain ? text : JSON.stringify(text);
}

/** `key: value` lines, or a `|` block when the value spans lines; `indent` spaces before the key. */
export function yamlScript(key: string, lines: readonly string[], indent: number): string {
  const pad = ' '.repeat(indent);
  if (lines.length === 1 && !lines[0]!.startsWith('#')) return `${pad}${key}: ${yamlString(lines[0]!)}`;
  return [`${pad}${key}: |`, ...lines.map((line) => (line === '' ? '' : `${pad}  ${line}`))].join('\n');
}
