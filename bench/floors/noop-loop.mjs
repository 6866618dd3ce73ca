// The throughput floor: a bare worker calling a no-op as fast as it can, with
// what any stoppable loop needs and nothing more: a stop flag read with
// Atomics every iteration and a yield to the event loop (setImmediate) every
// 1024 iterations. It counts its iterations into shared memory at each yield.
import { workerData } from 'node:worker_threads';

const stop = new Int32Array(workerData.flag);
const count = new Float64Array(workerData.count);
const cycle = workerData.mode === 'async' ? async function noop() {} : function noop() {};
const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

let n = 0;
if (workerData.mode === 'async') {
  while (Atomics.load(stop, 0) === 0) {
    await cycle();
    if ((++n & 1023) === 0) {
      count[0] = n;
      await yieldNow();
    }
  }
} else {
  while (Atomics.load(stop, 0) === 0) {
    cycle();
    if ((++n & 1023) === 0) {
      count[0] = n;
      await yieldNow();
    }
  }
}
count[0] = n;
