import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SOCKET } from '../control/protocol.js';
import { describeValue } from './describe-value.js';
import { type Path, type Problem, formatPath } from './problems.js';
import type { SourceTree } from './yaml-tree.js';

/*
 * What the schema cannot see: names unique across loops, and the files and socket
 * paths the manifest points at. Each check reads the raw (merged) input and skips a
 * value that already has a problem, so nothing is reported twice.
 */

export interface CheckContext {
  tree: SourceTree;
  /** The manifest's directory; relative paths are resolved against it. */
  dir: string;
  /** True when the value at `path` already has a problem. */
  failed(path: Path): boolean;
}

/** Where a `socket:` path leads: named pipes are kept as they are, files resolve against the manifest. */
export function resolveSocket(dir: string, socket: string): string {
  return isNamedPipe(socket) ? socket : path.resolve(dir, socket);
}

function isNamedPipe(socket: string): boolean {
  return /^\\\\[.?]\\pipe\\/.test(socket);
}

export function referenceProblems(input: Record<string, unknown>, context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  const report = (at: Path, message: string) =>
    problems.push({ path: formatPath(at), ...context.tree.position(at), message });
  const usable = (at: Path, value: unknown): value is string => typeof value === 'string' && !context.failed(at);
  const shown = (at: Path, value: unknown) => context.tree.origin(at) ?? describeValue(value);

  const loops = Array.isArray(input.loops) ? (input.loops as unknown[]) : [];
  const firstNamed = new Map<string, number>();
  loops.forEach((loop, index) => {
    if (loop === null || typeof loop !== 'object') return;
    const { name, module } = loop as Record<string, unknown>;
    const namePath = ['loops', index, 'name'];
    if (usable(namePath, name)) {
      const first = firstNamed.get(name);
      if (first === undefined) firstNamed.set(name, index);
      else {
        const line = context.tree.position(['loops', first, 'name']).line;
        report(namePath, `${shown(namePath, name)} is already the name of loops[${first}] (line ${line}); loop names must be unique`);
      }
    }
    const modulePath = ['loops', index, 'module'];
    if (usable(modulePath, module)) fileProblem(modulePath, module);
  });

  const controller = input.controller;
  if (controller !== null && typeof controller === 'object' && !Array.isArray(controller)) {
    const { reset_callback: callback, socket = DEFAULT_SOCKET } = controller as Record<string, unknown>;
    const callbackPath = ['controller', 'reset_callback'];
    if (usable(callbackPath, callback)) fileProblem(callbackPath, callback);
    const socketPath = ['controller', 'socket'];
    if (usable(socketPath, socket)) socketProblem(socketPath, socket);
  } else if (controller === undefined) {
    socketProblem(['controller', 'socket'], DEFAULT_SOCKET);
  }
  return problems;

  function fileProblem(at: Path, relative: string) {
    const file = path.resolve(context.dir, relative);
    // A path from the environment is not shown, resolved or not.
    const where = context.tree.origin(at) === undefined ? `${file} ` : '';
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats === undefined) {
      report(at, `${shown(at, relative)} does not exist: no file ${where}(paths are relative to the manifest's directory, ${context.dir})`);
    } else if (!stats.isFile()) {
      report(at, `${shown(at, relative)} is not a file: ${where}is a directory or device; point it at the module's file`);
    }
  }

  function socketProblem(at: Path, socket: string) {
    if (isNamedPipe(socket)) return;
    const resolved = resolveSocket(context.dir, socket);
    const bytes = Buffer.byteLength(resolved);
    if (bytes <= MAX_SOCKET_PATH_BYTES) return;
    const hidden = context.tree.origin(at) !== undefined;
    report(
      at,
      `${shown(at, socket)} resolves to a socket path of ${bytes} bytes${hidden ? '' : ` (${resolved})`}; ` +
        `this system allows at most ${MAX_SOCKET_PATH_BYTES}: set controller.socket to a shorter path, e.g. /tmp/superloops.sock`,
    );
  }
}

// sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, including the final NUL.
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;
