import type { z } from 'zod';
import { describeValue } from './describe-value.js';
import { type Path, type Problem, formatPath, pathKey } from './problems.js';
import { knownKeys } from './schema.js';
import { closest } from './suggest.js';
import type { SourceTree } from './yaml-tree.js';

export interface IssueContext {
  tree: SourceTree;
  /** What was validated: the document with `defaults:` merged into each loop. */
  input: unknown;
  /** Paths (`pathKey`) of loop keys copied from `defaults:`; their problems are reported there, once. */
  inherited: ReadonlySet<string>;
}

// What to write when a required key is missing.
const EXAMPLES: Readonly<Record<string, string>> = {
  loops: 'loops: [{ name: MyLoop, module: ./loops/my-loop.ts }]',
  name: 'name: MyLoop',
  module: 'module: ./loops/my-loop.ts',
  port: 'port: 9464',
};

/** Zod's issues as problems with positions, in words that say what to write. */
export function issueProblems(issues: readonly z.core.$ZodIssue[], context: IssueContext): Problem[] {
  const problems: Problem[] = [];
  // One problem per value: the first check that fails says enough.
  const reported = new Set<string>();
  for (const issue of issues) {
    const path: Path = issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key));
    if (isInherited(path, context.inherited) || context.tree.unusable(path)) continue;
    if (issue.code !== 'unrecognized_keys') {
      if (reported.has(pathKey(path))) continue;
      reported.add(pathKey(path));
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = context.tree.keyPosition([...path, key]) ?? context.tree.position(path);
        problems.push({ path: formatPath([...path, key]), ...where, message: unknownKey(key, path) });
      }
      continue;
    }
    const parent = path.slice(0, -1);
    const key = path.at(-1);
    if (typeof key === 'string' && isMissing(context.input, parent, key)) {
      const example = EXAMPLES[key];
      const message = `missing required key \`${key}\`${example === undefined ? '' : `; add it, e.g. ${example}`}`;
      // Nothing is written at a missing key, so point at the mapping that lacks it.
      problems.push({ path: formatPath(path), ...context.tree.position(parent), message });
      continue;
    }
    const message = withoutSecret(issue.message, valueAt(context.input, path), context.tree.origin(path));
    problems.push({ path: formatPath(path), ...context.tree.position(path), message });
  }
  return problems;
}

function unknownKey(key: string, path: Path): string {
  if (path.length === 1 && path[0] === 'defaults' && ['name', 'module', 'options'].includes(key)) {
    return `\`${key}\` cannot be set in defaults:; it belongs to each loop`;
  }
  const allowed = knownKeys(path);
  const hint = closest(key, allowed);
  if (hint !== undefined) return `unknown key \`${key}\`; did you mean \`${hint}\`?`;
  return `unknown key \`${key}\`; the keys allowed here are ${allowed.join(', ')}`;
}

/**
 * Every message that shows a value starts with describeValue(value) (see schema.ts).
 * For a value from the environment that start becomes "the value of ${VAR}"; a message
 * of any other shape is replaced whole rather than risk showing the value.
 */
function withoutSecret(message: string, value: unknown, origin: string | undefined): string {
  if (origin === undefined) return plain(message);
  const shown = describeValue(value);
  return message.startsWith(shown) ? origin + message.slice(shown.length) : `${origin} is not valid here`;
}

// Zod's own wording appears only if a schema forgot its message; at least drop the jargon.
function plain(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

function isInherited(path: Path, inherited: ReadonlySet<string>): boolean {
  return path[0] === 'loops' && path.length >= 3 && inherited.has(pathKey(path.slice(0, 3)));
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function isMissing(root: unknown, parent: Path, key: string): boolean {
  const container = valueAt(root, parent);
  return (
    container !== null &&
    typeof container === 'object' &&
    !Array.isArray(container) &&
    !Object.prototype.hasOwnProperty.call(container, key)
  );
}
