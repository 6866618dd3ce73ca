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
 * @returns {Promise<{ ms: number, stdout: string }>} rejects unless it exits 0
 */
export function timeNode(args) {
  return new Promise((resolve, reject) => {
    const began = nowMs();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = nowMs() - began;
      if (code !== 0) {
        reject(new Error(`bench: node ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`));
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
