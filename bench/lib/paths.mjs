/** Where things are, from the repository root. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = path.join(ROOT, 'bench');
export const DAEMON_BIN = path.join(ROOT, 'bin', 'superloopsd.js');
export const CLI_BIN = path.join(ROOT, 'bin', 'superloops.js');
export const LIBRARY = path.join(ROOT, 'dist', 'index.js');

/** Absolute path of a bench loop module, bench/loops/<name>.ts. @param {string} name */
export function loopModule(name) {
  return path.join(BENCH, 'loops', `${name}.ts`);
}
