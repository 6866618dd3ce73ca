/**
 * How a manifest value is quoted in a problem message. Every message that shows a
 * value starts with this text, so the loader can swap it for "the value of ${VAR}"
 * when the value came from the environment (see issues.ts).
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // Long strings are cut so one problem stays one line.
    const shown = value.length > 60 ? `${value.slice(0, 57)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'an empty value (null)';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
