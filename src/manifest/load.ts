import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import type { LoopSpec } from '../loop/options.js';
import { referenceProblems, resolveSocket } from './checks.js';
import { describeValue } from './describe-value.js';
import { issueProblems } from './issues.js';
import { type Path, type Problem, manifestError, pathKey } from './problems.js';
import { type LogLevel, type ManifestDocument, isLoopSettingKey, manifestSchema } from './schema.js';
import { syntaxProblems } from './syntax.js';
import { type Position, readTree } from './yaml-tree.js';

export type { Problem } from './problems.js';

/** A loop as the manifest describes it: a LoopSpec with an absolute module path, and whether it starts with the daemon. */
export interface ManifestLoop extends LoopSpec {
  /** Absolute path of the loop's module. */
  module: string;
  autostart: boolean;
}

export interface Manifest {
  /** Absolute path of the manifest file. */
  file: string;
  /** The manifest's directory, against which its relative paths were resolved. */
  dir: string;
  controller: {
    /** Absolute path of the control socket. */
    socket: string;
    /** Group given access to the control socket (mode 0660); absent: owner-only (0600). */
    socketGroup?: string | number;
    maxResets: number;
    resetWindowMs: number;
    shutdownTimeoutMs: number;
    /** Absolute path of the reset callback module. */
    resetCallback?: string;
    resetCallbackTimeoutMs: number;
    logLevel: LogLevel;
    http?: { host: string; port: number };
  };
  loops: ManifestLoop[];
  /** Every value that came from ${VAR}: error messages about the manifest never quote them. */
  secrets: string[];
  /**
   * Where the values checked only after loading are written, so that their
   * problems point there: the control socket (whose directory `start` checks;
   * `fromEnv` when it came from ${VAR} and must not be shown), each loop's
   * `module:` by loop name, and `reset_callback`. Kept apart from the loops: a
   * reload compares loops, not lines.
   */
  at: {
    socket: Position & { fromEnv: boolean };
    loopModules: Record<string, Position>;
    resetCallback?: Position;
  };
}

/**
 * Reads and validates a manifest. Throws SuperloopsError CONFIG_UNREADABLE when the
 * file cannot be read and CONFIG_INVALID (with every problem in `details.problems`)
 * when it is not a valid manifest.
 */
export async function loadManifest(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SuperloopsError(ErrorCodes.CONFIG_UNREADABLE, `cannot read manifest ${file}: ${readFailure(err, file)}`, {
      cause: err,
      details: { file: path.resolve(file) },
    });
  }
  return parseManifest(text, file, env);
}

/** Why the manifest `file` could not be read, and what to do, from the error of the read. */
export function readFailure(err: unknown, file: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return path.isAbsolute(file)
        ? 'no such file; check the path'
        : `no such file; check the path (a relative path starts at the current directory, ${process.cwd()})`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; make it readable by the user running superloops';
    case 'EISDIR':
      return 'it is a directory; give the path of the YAML file';
    default:
      return (err as Error).message;
  }
}

/**
 * Validates manifest text as if it were read from `file` (relative paths in it are
 * resolved against the file's directory, and module files must exist). Synchronous,
 * so tests and fuzzers can call it directly.
 */
export function parseManifest(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Manifest {
  const absoluteFile = path.resolve(file);
  const dir = path.dirname(absoluteFile);
  const invalid = (problems: Problem[], secrets: readonly string[] = []) =>
    manifestError(file, absoluteFile, problems, secrets);

  const lines = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch (err) {
    // The parser recurses; absurd nesting overflows the stack before it can report anything.
    throw invalid([{ path: '', line: 1, column: 1, message: `invalid YAML: ${(err as Error).message}` }]);
  }
  const syntax = syntaxProblems(doc, lines, text);
  if (syntax.length > 0) throw invalid(syntax);
  if (doc.contents === null) {
    throw invalid([
      {
        path: '',
        line: 1,
        column: 1,
        message: 'the manifest is empty; it needs at least a list of loops, e.g. loops: [{ name: MyLoop, module: ./loops/my-loop.ts }]',
      },
    ]);
  }

  const tree = readTree(doc, lines, env);
  const secrets = unique(tree.secrets);
  const top = tree.value;
  if (tree.unusable([])) throw invalid(tree.problems, secrets);
  if (!isMapping(top)) {
    const shown = tree.origin([]) ?? describeValue(top);
    const message = `the manifest must be a mapping with a loops: list (and optionally controller: and defaults:), not ${shown}`;
    throw invalid([...tree.problems, { path: '', ...tree.position([]), message }], secrets);
  }

  const { input, inherited } = withDefaults(top);
  const result = manifestSchema.safeParse(input);
  const issues = result.success ? [] : result.error.issues;
  const failedPaths = new Set(issues.map((issue) => pathKey(issue.path as Path)));
  const problems = [
    ...tree.problems,
    ...issueProblems(issues, { tree, input, inherited }),
    ...referenceProblems(input, { tree, dir, failed: (at) => failedPaths.has(pathKey(at)) || tree.unusable(at) }),
  ];
  if (!result.success && problems.length === 0) {
    // Every issue was set aside as reported elsewhere, yet none was: report them where they are.
    problems.push(...issueProblems(issues, { tree, input, inherited: new Set() }));
  }
  if (problems.length > 0 || !result.success) throw invalid(problems, secrets);
  const at: Manifest['at'] = {
    socket: { ...tree.position(['controller', 'socket']), fromEnv: tree.origin(['controller', 'socket']) !== undefined },
    loopModules: Object.fromEntries(result.data.loops.map((loop, i) => [loop.name, tree.position(['loops', i, 'module'])])),
  };
  if (result.data.controller.reset_callback !== undefined) at.resetCallback = tree.position(['controller', 'reset_callback']);
  return toManifest(result.data, { file: absoluteFile, dir, secrets, at });
}

/**
 * Copies each `defaults:` setting into every loop that lacks it, so the loop schema
 * sees the merged loop. Remembers which keys were copied: a bad default is reported
 * once, under `defaults:`, not once per loop.
 */
function withDefaults(top: Record<string, unknown>): { input: Record<string, unknown>; inherited: Set<string> } {
  const inherited = new Set<string>();
  const { defaults, loops } = top;
  if (!isMapping(defaults) || !Array.isArray(loops)) return { input: top, inherited };
  const merged = loops.map((loop: unknown, index) => {
    if (!isMapping(loop)) return loop;
    const out: Record<string, unknown> = { ...loop };
    for (const [key, value] of Object.entries(defaults)) {
      if (!isLoopSettingKey(key) || Object.prototype.hasOwnProperty.call(loop, key)) continue;
      out[key] = value;
      inherited.add(pathKey(['loops', index, key]));
    }
    return out;
  });
  return { input: { ...top, loops: merged }, inherited };
}

function toManifest(
  doc: ManifestDocument,
  source: { file: string; dir: string; secrets: string[]; at: Manifest['at'] },
): Manifest {
  const { controller: c } = doc;
  const controller: Manifest['controller'] = {
    socket: resolveSocket(source.dir, c.socket),
    maxResets: c.max_resets,
    resetWindowMs: c.reset_window,
    shutdownTimeoutMs: c.shutdown_timeout,
    resetCallbackTimeoutMs: c.reset_callback_timeout,
    logLevel: c.log_level,
  };
  if (c.reset_callback !== undefined) controller.resetCallback = path.resolve(source.dir, c.reset_callback);
  if (c.http !== undefined) controller.http = { host: c.http.host, port: c.http.port };
  if (c.socket_group !== undefined) controller.socketGroup = c.socket_group;

  const loops = doc.loops.map((loop): ManifestLoop => {
    const out: ManifestLoop = {
      name: loop.name,
      module: path.resolve(source.dir, loop.module),
      gracePeriodMs: loop.grace_period,
      maxLoopFailures: loop.max_loop_failures,
      failureWindowMs: loop.failure_window ?? undefined,
      stopOnFailure: loop.stop_on_failure,
      resetGlobally: loop.reset_globally,
      cycleTimeoutMs: loop.cycle_timeout ?? undefined,
      memoryLimitMb: loop.memory_limit_mb ?? undefined,
      restart: loop.restart,
      restartDelayMs: loop.restart_delay,
      maxRestartDelayMs: loop.max_restart_delay,
      stableAfterMs: loop.stable_after,
      autostart: loop.autostart,
    };
    if (loop.options !== undefined) out.options = loop.options;
    return out;
  });
  return { file: source.file, dir: source.dir, controller, loops, secrets: source.secrets, at: source.at };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Distinct, non-empty: an empty string is nothing to hide. */
function unique(values: readonly string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))];
}
