/** The idle floor process (bench/floors/idle-holder.mjs) as a child: started, ready, stopped. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.mjs';

const HOLDER = fileURLToPath(new URL('../floors/idle-holder.mjs', import.meta.url));

/** @param {number} workers @returns {Promise<{ pid: number, stop(): Promise<void> }>} */
export async function startHolder(workers) {
  const child = spawn(process.execPath, [HOLDER, String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let exited = false;
  child.once('exit', () => (exited = true));
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  await waitFor(
    () => {
      if (exited) throw new Error(`bench: idle holder with ${workers} workers exited early`);
      return out.includes('ready');
    },
    { timeoutMs: 60_000, everyMs: 5, what: `the idle holder with ${workers} workers to be ready` },
  );
  return {
    pid: child.pid,
    async stop() {
      if (exited) return;
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    },
  };
}
