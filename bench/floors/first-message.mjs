// A bare worker: the least a worker can do to say it runs. It stamps the
// process-wide monotonic clock into shared memory, posts one message, then
// idles the way an idle loop does (a timer every `sleepMs`, default 1 s) until
// it is terminated. One plain ESM file: the same module format as a loop's
// compiled module, with nothing else to load.
import { parentPort, workerData } from 'node:worker_threads';

if (workerData?.stamps) new Float64Array(workerData.stamps)[0] = Number(process.hrtime.bigint() / 1000n) / 1000;
parentPort.postMessage('ready');

const sleepMs = workerData?.sleepMs ?? 1000;
const tick = () => setTimeout(tick, sleepMs);
tick();
