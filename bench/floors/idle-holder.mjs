// The idle floor: a bare Node process holding N idle workers (each wakes once a
// second, as a loop whose cycle sleeps 1 s does) and nothing else: no socket,
// no logger. Prints "ready" once every worker has sent its first message, then
// runs until it is killed.
//   node bench/floors/idle-holder.mjs <N>
import { Worker } from 'node:worker_threads';

const n = Number(process.argv[2] ?? 0);
const script = new URL('./first-message.mjs', import.meta.url);
await Promise.all(
  Array.from({ length: n }, () => new Promise((resolve) => new Worker(script).once('message', resolve))),
);
// With no worker, something must keep the process alive; this timer never fires.
if (n === 0) setInterval(() => {}, 2 ** 31 - 1);
process.stdout.write('ready\n');
