/**
 * Floors made of bare workers, driven from the bench's main thread: spawn →
 * first message, terminate + spawn, and N of each at once.
 */
import { Worker } from 'node:worker_threads';
import { nowMs } from '../lib/clock.mjs';
import { timeNodeStartup } from '../lib/time-process.mjs';

const FIRST_MESSAGE = new URL('./first-message.mjs', import.meta.url);

/**
 * Spawns a bare worker; resolves once its first message has arrived, with the
 * time from `new Worker()` to the stamp the worker wrote just before posting it.
 * @param {{ sleepMs?: number }} [options]
 * @returns {Promise<{ worker: Worker, ms: number }>}
 */
export function spawnBare({ sleepMs } = {}) {
  const stamps = new SharedArrayBuffer(8);
  const began = nowMs();
  const worker = new Worker(FIRST_MESSAGE, { workerData: { stamps, sleepMs } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bench: bare worker exited ${code} before its first message`)));
    worker.once('message', () => {
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      resolve({ worker, ms: new Float64Array(stamps)[0] - began });
    });
  });
}

/** The floor of one start: a bare worker's spawn → first message, in ms; the worker is then terminated. */
export async function bareSpawnMs() {
  const { worker, ms } = await spawnBare();
  await worker.terminate();
  return ms;
}

/**
 * Terminates every worker at once, then, once all are gone, spawns as many
 * bare workers at once; resolves with the new workers and the time from the
 * first terminate() to the last first message. The same two phases as a global
 * reset: all stopped before any starts again.
 * @param {Worker[]} workers
 */
export async function replaceAll(workers, { sleepMs } = {}) {
  const began = nowMs();
  await Promise.all(workers.map((w) => w.terminate()));
  const spawned = await Promise.all(workers.map(() => spawnBare({ sleepMs })));
  return { workers: spawned.map((s) => s.worker), ms: nowMs() - began };
}

/** Spawns `n` bare workers at once; resolves when every one has sent its first message. */
export async function spawnMany(n, { sleepMs } = {}) {
  return (await Promise.all(Array.from({ length: n }, () => spawnBare({ sleepMs })))).map((s) => s.worker);
}

/**
 * The floor of a `ctl` command that restarts a loop: node starts and exits (the
 * CLI's own cost), then a worker is terminated and a new one spawned up to its
 * first message (the daemon's part). Timed as one span, in that order.
 * @param {{ worker: Worker }} holder its worker is replaced
 */
export async function nodeThenReplace(holder) {
  const began = nowMs();
  await timeNodeStartup();
  await holder.worker.terminate();
  holder.worker = (await spawnBare()).worker;
  return nowMs() - began;
}
