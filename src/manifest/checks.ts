import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SOCKET, MAX_SOCKET_PATH_BYTES, isNamedPipe } from '../control/protocol.js';
import { describeValue } from './describe-value.js';
import { type Path, type Problem, formatPath } from './problems.js';
import type { Manifest } from './load.js';
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

/** Why a daemon could not listen at `resolved` (an absolute path) for its length alone, or undefined. */
export function socketLengthProblem(resolved: string): string | undefined {
  if (isNamedPipe(resolved)) return undefined;
  const bytes = Buffer.byteLength(resolved);
  return bytes <= MAX_SOCKET_PATH_BYTES ? undefined : `a socket path of ${bytes} bytes; this system allows at most ${MAX_SOCKET_PATH_BYTES}`;
}

/**
 * Why a daemon could not create a socket file at `resolved` (an absolute path)
 * for its directory: missing, not a directory, or out of reach. The daemon
 * does not create the directory: that is the deployment's (a volume, a
 * RuntimeDirectory). Undefined when the directory is there.
 */
export function socketDirectoryProblem(resolved: string): string | undefined {
  if (isNamedPipe(resolved)) return undefined;
  const dir = path.dirname(resolved);
  try {
    const stats = statSync(dir, { throwIfNoEntry: false });
    if (stats === undefined) return `its directory ${dir} does not exist; create it, or choose a socket path in an existing directory`;
    if (!stats.isDirectory()) return `${dir} is not a directory; choose a socket path in a directory`;
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `a part of ${dir} is a file, not a directory; choose a socket path in a directory`;
    if (code === 'EACCES') return `its directory ${dir} cannot be reached (permission denied); choose a directory the daemon's user can enter`;
    return `its directory ${dir} cannot be inspected (${code ?? (err as Error).message})`;
  }
}

/**
 * The socket-directory check of `controller.socket`, where the key is: a
 * Problem for manifestError(), or undefined. Not part of parseManifest(): a
 * manifest is often validated where it does not run (the directory of
 * `/run/superloops/superloops.sock` is a volume in the container, absent on
 * the host, and loadManifest() must accept it there). `superloopsd start`
 * runs it, when the manifest's socket is the one it will use, and `validate`
 * reports it as a note.
 */
export function socketDirectoryKeyProblem(manifest: Manifest): Problem | undefined {
  const why = socketDirectoryProblem(manifest.controller.socket);
  if (why === undefined) return undefined;
  const { line, column, fromEnv } = manifest.at.socket;
  // A path from the environment is not shown (its directory is part of it).
  const message = fromEnv ? 'the socket path from the environment is in a directory that does not exist or cannot be reached' : why;
  return { path: formatPath(['controller', 'socket']), line, column, message };
}
