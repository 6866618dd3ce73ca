import { ErrorCodes, SuperloopsError } from '../errors.js';

/** Keys and indexes from the top of the manifest to a value. */
export type Path = readonly (string | number)[];

/** One thing wrong with a manifest, and where: 1-based line and column of the YAML node. */
export interface Problem {
  /** e.g. `loops[0].max_loop_failures`; empty for the document as a whole. */
  path: string;
  line: number;
  column: number;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['loops', 0, 'options', 'api key']` → `loops[0].options["api key"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** A stable map key for a path (paths are compared often, arrays are not comparable). */
export function pathKey(path: Path): string {
  return JSON.stringify(path);
}

/**
 * The one error a bad manifest produces: every problem, in file order, one per line,
 * as `file:line:col path: message` so editors and terminals can jump to it.
 *
 * `secrets` are scrubbed from the messages as a last line of defence: messages are
 * built never to show values from the environment, and this keeps it so even if a
 * new message forgets. Short values are skipped: a flag set to `true` would otherwise
 * mangle every "true or false" in the report, and short values are not the keys and
 * tokens this is for.
 */
export function manifestError(
  file: string,
  absoluteFile: string,
  found: readonly Problem[],
  secrets: readonly string[] = [],
): SuperloopsError {
  const scrub = scrubber(secrets);
  const problems = found
    .map((problem) => ({ ...problem, message: scrub(problem.message) }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${file}:${p.line}:${p.column} ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  return new SuperloopsError(ErrorCodes.CONFIG_INVALID, [`${file}: ${count} in the manifest`, ...lines].join('\n'), {
    details: { file: absoluteFile, problems },
  });
}

/**
 * Replaces each of `secrets` in a text with [redacted]. Values shorter than 8
 * characters are left (see manifestError): they are not the keys and tokens
 * this is for, and would mangle ordinary words.
 */
export function scrubber(secrets: readonly string[]): (text: string) => string {
  const long = secrets.filter((secret) => secret.length >= 8);
  return (text) => long.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
