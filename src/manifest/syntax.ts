import { type Document, type LineCounter, type YAMLError, isMap, isScalar, isSeq } from 'yaml';
import { type Path, type Problem, formatPath } from './problems.js';

/**
 * YAML errors and warnings as problems. Warnings count too: an unresolved tag such as
 * `!env` means the author expected something this loader does not do.
 */
export function syntaxProblems(doc: Document, lines: LineCounter, text: string): Problem[] {
  return firstOfEach(all(doc, lines, text));
}

// One YAML mistake (an unclosed bracket, a plain ${VAR} in { }) makes the parser report
// every token after it. The first error on a line is the one that says something.
const MAX_SYNTAX_PROBLEMS = 10;

function firstOfEach(problems: Problem[]): Problem[] {
  const seen = new Set<number>();
  const firsts = problems.filter((problem) => !seen.has(problem.line) && seen.add(problem.line));
  if (firsts.length <= MAX_SYNTAX_PROBLEMS) return firsts;
  const next = firsts[MAX_SYNTAX_PROBLEMS]!;
  const more = firsts.length - MAX_SYNTAX_PROBLEMS;
  return [
    ...firsts.slice(0, MAX_SYNTAX_PROBLEMS),
    { ...next, message: `invalid YAML on ${more} more line${more === 1 ? '' : 's'} from here; fix the errors above first` },
  ];
}

function all(doc: Document, lines: LineCounter, text: string): Problem[] {
  return [...doc.errors, ...doc.warnings].map((error) => {
    const offset = error.pos[0];
    const { line, col } = lines.linePos(offset);
    const path = pathAt(doc.contents, offset, []);
    return {
      path: formatPath(path),
      line: Math.max(1, line),
      column: Math.max(1, col),
      message: describe(error, text, path),
    };
  });
}

function describe(error: YAMLError, text: string, path: Path): string {
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return `key \`${path.at(-1) ?? '?'}\` appears more than once in this mapping; keep one`;
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (a second ---); a manifest is a single document';
    case 'TAG_RESOLVE_FAILED':
      return `${error.message}; remove the tag: the manifest is plain YAML and \${VAR} needs no tag`;
    default: {
      // A plain `${VAR}` inside { } or [ ] reads as the start of a flow mapping.
      const end = text.indexOf('\n', error.pos[0]);
      const lineText = text.slice(text.lastIndexOf('\n', error.pos[0] - 1) + 1, end === -1 ? undefined : end);
      const hint = lineText.includes('${') ? '; quote values that contain ${VAR} inside { } or [ ]' : '';
      return `invalid YAML: ${error.message}${hint}`;
    }
  }
}

// Deep enough to name the loop and key; deeper paths only make the line unreadable.
const MAX_PATH_DEPTH = 8;

/** The path of the innermost node at `offset`, so even a syntax error says which key it is in. */
function pathAt(node: unknown, offset: number, path: Path): Path {
  if (path.length >= MAX_PATH_DEPTH) return path;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (contains(pair.key, offset)) return [...path, key];
      if (contains(pair.value, offset)) return pathAt(pair.value, offset, [...path, key]);
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      if (contains(item, offset)) return pathAt(item, offset, [...path, index]);
    }
  }
  return path;
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as { range?: readonly number[] } | null)?.range;
  return range !== undefined && range[0]! <= offset && offset < range[2]!;
}
