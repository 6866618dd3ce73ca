import { type Document, type LineCounter, isAlias, isMap, isScalar, isSeq } from 'yaml';
import { interpolate } from './interpolate.js';
import { type Path, type Problem, formatPath, pathKey } from './problems.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * A parsed manifest as plain data, with `${VAR}` already replaced, plus what the
 * loader needs to report problems: where each value is, and which values must not
 * be shown because they came from the environment.
 */
export interface SourceTree {
  value: unknown;
  /** Problems found while reading: unset variables, bad aliases, keys that collide. */
  problems: Problem[];
  /** Every value that came from the environment. */
  secrets: string[];
  /** Where the value at `path` is, or the nearest enclosing value that exists. */
  position(path: Path): Position;
  /** Where the key of the value at `path` is written, if it is a mapping key. */
  keyPosition(path: Path): Position | undefined;
  /** `the value of ${VAR}` for a value that came from the environment; undefined otherwise. */
  origin(path: Path): string | undefined;
  /** The value at `path` could not be read (its problem is already reported), so nothing more is said about it. */
  unusable(path: Path): boolean;
}

// Bounds against documents that expand without end: "billion laughs" aliases and deep nesting.
const MAX_NODES = 100_000;
const MAX_DEPTH = 100;

class Overflow extends Error {
  constructor(
    readonly path: Path,
    readonly where: Position,
  ) {
    super('overflow');
  }
}

/**
 * Converts the YAML document to plain data. A value under `loops[i].options` is
 * handed to user code as written; elsewhere an unquoted scalar containing `${VAR}`
 * is read again after substitution as YAML would read it, so `port: ${PORT}` is a number.
 */
export function readTree(doc: Document, lines: LineCounter, env: NodeJS.ProcessEnv): SourceTree {
  const positions = new Map<string, Position>();
  const keyPositions = new Map<string, Position>();
  const origins = new Map<string, string>();
  const unusable = new Set<string>();
  const problems: Problem[] = [];
  const secrets: string[] = [];
  // Anchors as met in document order; an alias refers to the latest one of its name, as in YAML.
  const anchors = new Map<string, unknown>();
  const expanding = new Set<unknown>();
  let budget = MAX_NODES;

  const at = (node: unknown, fallback: Position): Position => {
    const offset = (node as { range?: readonly number[] } | null)?.range?.[0];
    if (offset === undefined) return fallback;
    const { line, col } = lines.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  };
  const problem = (path: Path, where: Position, message: string) => {
    problems.push({ path: formatPath(path), line: where.line, column: where.column, message });
  };

  const walk = (node: unknown, path: Path, where: Position): unknown => {
    const here = at(node, where);
    if (--budget < 0 || path.length > MAX_DEPTH) throw new Overflow(path, here);
    positions.set(pathKey(path), here);
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor !== undefined) anchors.set(anchor, node);

    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        problem(path, here, `alias *${node.source} refers to no anchor; define &${node.source} before it`);
        unusable.add(pathKey(path));
        return null;
      }
      if (expanding.has(target)) {
        problem(path, here, `alias *${node.source} is inside the value it refers to; a value cannot contain itself`);
        unusable.add(pathKey(path));
        return null;
      }
      expanding.add(target);
      const value = walk(target, path, here);
      expanding.delete(target);
      // A problem in an aliased value is reported where the alias is, since that is the path.
      positions.set(pathKey(path), here);
      return value;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyWhere = at(pair.key, here);
        const key = keyName(pair.key);
        if (key === undefined) {
          problem(path, keyWhere, 'a key must be a plain value, not a list or mapping');
          continue;
        }
        const child = [...path, key];
        if (Object.prototype.hasOwnProperty.call(out, key)) {
          problem(child, keyWhere, `key \`${key}\` appears more than once in this mapping; keep one`);
          continue;
        }
        keyPositions.set(pathKey(child), keyWhere);
        // defineProperty, not assignment: a key named __proto__ must stay a key.
        Object.defineProperty(out, key, {
          value: walk(pair.value, child, keyWhere),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item, index) => walk(item, [...path, index], here));
    if (isScalar(node)) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return node.value;
      const result = interpolate(node.value, env);
      for (const message of result.errors) problem(path, here, message);
      if (result.errors.length > 0) {
        unusable.add(pathKey(path));
        return node.value;
      }
      if (result.substitutions.length === 0) return result.text;
      for (const { value } of result.substitutions) secrets.push(value);
      const only = result.substitutions.length === 1 && node.value === `\${${result.substitutions[0]!.name}}`;
      origins.set(pathKey(path), only ? `the value of ${node.value}` : `the value of ${JSON.stringify(node.value)}`);
      return node.type === 'PLAIN' && !isOptions(path) ? readPlain(result.text) : result.text;
    }
    // An empty value (`key:` with nothing after it).
    return null;
  };

  let value: unknown = null;
  const start = { line: 1, column: 1 };
  try {
    value = walk(doc.contents, [], start);
  } catch (err) {
    if (!(err instanceof Overflow)) throw err;
    // The first keys say which loop and section; the full path would be a hundred levels long.
    problem(
      err.path.slice(0, 3),
      err.where,
      `the manifest nests deeper than ${MAX_DEPTH} levels or expands to more than ${MAX_NODES} values through aliases; simplify it`,
    );
    unusable.add(pathKey([]));
  }

  const nearest = (path: Path, map: Map<string, Position>): Position | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const found = map.get(pathKey(path.slice(0, n)));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return {
    value,
    problems,
    secrets,
    position: (path) => nearest(path, positions) ?? start,
    keyPosition: (path) => keyPositions.get(pathKey(path)),
    origin: (path) => origins.get(pathKey(path)),
    unusable: (path) => {
      for (let n = path.length; n >= 0; n--) if (unusable.has(pathKey(path.slice(0, n)))) return true;
      return false;
    },
  };
}

function keyName(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return undefined;
}

function isOptions(path: Path): boolean {
  return path[0] === 'loops' && path[2] === 'options';
}

// The YAML 1.2 core schema's booleans and decimal numbers; anything else stays a string.
const BOOLEAN = /^(?:true|True|TRUE|false|False|FALSE)$/;
const NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

function readPlain(text: string): unknown {
  if (BOOLEAN.test(text)) return text.toLowerCase() === 'true';
  if (NUMBER.test(text)) return Number(text);
  return text;
}
