/**
 * Times a whole child process, from spawn() to its 'close' (exited, and its
 * stdout and stderr drained): what a user waits for when they type the command.
 * Every command the bench times goes through here, floors included, so the
 * cost of spawning and reaping is the same on both sides of a ratio.
 */
import { spawn } from 'node:child_process';
import { nowMs } from './clock.mjs';

/**
 * @param {string[]} args arguments to node
 * @param {{ cwd?: string, expectCode?: number }} [options]
 * @returns {Promise<{ ms: number, stdout: string }>}
 */
export function timeNode(args, { cwd, expectCode = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const began = nowMs();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = nowMs() - began;
      if (code !== expectCode) {
        reject(new Error(`bench: node ${args.join(' ')} exited ${code}, expected ${expectCode}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      resolve({ ms, stdout });
    });
  });
}

/** The yardstick: how long node takes to start and exit doing nothing. */
export async function timeNodeStartup() {
  return (await timeNode(['-e', ''])).ms;
}
