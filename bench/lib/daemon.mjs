/**
 * The real daemon as a child process: `node bin/superloopsd.js start
 * <manifest> --socket <path>`, ready when its stdout says "Daemon ready". Its
 * stdout is drained (a sync logger blocks on a full pipe) or written to a file.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { DAEMON_BIN, ROOT } from './paths.mjs';
import { writeManifest } from './manifest.mjs';
import { waitFor } from './wait-for.mjs';

const READY = '"msg":"Daemon ready"';

/**
 * @typedef {{ pid: number, socket: string, stop(killAfterMs?: number): Promise<{ code: number | null, ms: number, killed: boolean }> }} RunningDaemon
 */

/**
 * @param {{ dir: string, name: string, manifest: object, stdoutFile?: string }} options
 * @returns {Promise<RunningDaemon>}
 */
export async function startDaemon({ dir, name, manifest, stdoutFile }) {
  const file = writeManifest(dir, name, manifest);
  const socket = path.join(dir, `${name}.sock`);
  const out = stdoutFile === undefined ? 'pipe' : openSync(stdoutFile, 'w');
  const child = spawn(process.execPath, [DAEMON_BIN, 'start', file, '--socket', socket], {
    cwd: ROOT,
    stdio: ['ignore', out, 'pipe'],
  });
  if (typeof out === 'number') closeSync(out);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));

  let ready = false;
  let tail = '';
  if (child.stdout) {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      if (ready) return; // drained, not kept
      tail = (tail + chunk).slice(-20_000);
      if (tail.includes(READY)) ready = true;
    });
  }
  const isReady = () => {
    if (exited) throw new Error(`bench: daemon ${name} exited (${exited.code ?? exited.signal}) before it was ready: ${stderr.trim() || tail.slice(-2000)}`);
    if (child.stdout) return ready;
    return readFileSync(stdoutFile, 'utf8').includes(READY);
  };
  await waitFor(isReady, { timeoutMs: 60_000, everyMs: 5, what: `daemon ${name} to log "Daemon ready"` });

  return {
    pid: child.pid,
    socket,
    /** SIGTERM, then SIGKILL if it has not exited after `killAfterMs`. */
    async stop(killAfterMs = 60_000) {
      const began = Date.now();
      if (exited) return { code: exited.code, ms: 0, killed: false };
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, killAfterMs);
      const [code] = await gone;
      clearTimeout(timer);
      return { code, ms: Date.now() - began, killed };
    },
  };
}
