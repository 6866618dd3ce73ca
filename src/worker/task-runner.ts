/**
 * The entry of a worker that runs one function of the user's once: the reset
 * callback of a manifest. Like the loop runner, it keeps user code off the
 * supervisor's thread. Its default export is called with the data it is given.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorRecord, type ErrorRecord } from './protocol.js';

export interface TaskData {
  moduleUrl: string;
  source: string;
  argument: unknown;
}

export type TaskMessage = { type: 'done' } | { type: 'error'; error: ErrorRecord };

const data = workerData as TaskData;
const post = (message: TaskMessage): void => parentPort!.postMessage(message);

try {
  const mod = (await import(data.moduleUrl)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new TypeError(`${data.source} must have a function as its default export (export default async function onReset({ resetId, loops }) { … })`);
  }
  await (mod.default as (argument: unknown) => unknown)(data.argument);
  post({ type: 'done' });
} catch (err) {
  post({ type: 'error', error: toErrorRecord(err) });
}
process.exit(0);
