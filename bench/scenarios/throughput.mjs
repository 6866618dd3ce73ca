/**
 * Figure 7: empty-cycle throughput of one loop, with a sync and an async
 * `cycle()` that do nothing: what the cycle driver itself costs.
 *
 * Floor: a bare worker calling a no-op in a loop that reads an Atomics stop
 * flag every iteration and yields (setImmediate) every 1024: the least any
 * loop that can be stopped and that lets its event loop run must do.
 *
 * Each side runs alone (they would share the two cores otherwise): started,
 * warmed up, counted over a window, stopped; the two alternate.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { newController } from '../lib/controller.mjs';
import { nowMs, sleep } from '../lib/clock.mjs';
import { loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';
import { waitFor } from '../lib/wait-for.mjs';

export const id = 'throughput';
export const title = 'empty-cycle throughput';

const NOOP_LOOP = new URL('../floors/noop-loop.mjs', import.meta.url);

/** Cycles per second over `windowMs`, after `warmMs`, reading `count()` at both ends. */
async function rate(count, warmMs, windowMs) {
  await sleep(warmMs);
  const c0 = count();
  const t0 = nowMs();
  await sleep(windowMs);
  const c1 = count();
  const t1 = nowMs();
  return ((c1 - c0) / (t1 - t0)) * 1000;
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const warmMs = quick ? 100 : 300;
  const windowMs = quick ? 300 : 1000;
  const controller = await newController(dir);
  const rows = [];
  let count = 0;
  try {
    for (const mode of ['sync', 'async']) {
      const result = await paired({
        rounds: quick ? 1 : 3,
        warmup: quick ? 0 : 1,
        a: async () => {
          const name = `empty-${mode}-${count++}`;
          const loop = controller.newLoop({ name, module: loopModule(`empty-${mode}`) });
          const started = await loop.start();
          if (!started.started) throw new Error(`bench: ${name} did not start`);
          const perSecond = await rate(() => loop.cycles, warmMs, windowMs);
          await controller.removeLoop(name);
          return perSecond;
        },
        b: async () => {
          const flag = new SharedArrayBuffer(4);
          const counter = new SharedArrayBuffer(8);
          const worker = new Worker(NOOP_LOOP, { workerData: { flag, count: counter, mode } });
          const view = new Float64Array(counter);
          await waitFor(() => view[0] > 0, { timeoutMs: 10_000, what: `the ${mode} no-op floor to count` });
          const perSecond = await rate(() => view[0], warmMs, windowMs);
          const exited = once(worker, 'exit');
          Atomics.store(new Int32Array(flag), 0, 1);
          await exited;
          return perSecond;
        },
      });
      log(`${mode} cycles/s ${(median(result.a) / 1e6).toFixed(2)}M, floor ${(median(result.b) / 1e6).toFixed(2)}M`);
      rows.push(
        compared({
          scenario: id,
          metric: `7. empty-cycle throughput, ${mode} \`cycle()\``,
          unit: 'cycles/s',
          superloops: result.a,
          floor: result.b,
          goal: { min: 0.5 },
          note: 'floor: bare worker, no-op + Atomics stop flag + setImmediate every 1024',
        }),
      );
    }
  } finally {
    await controller.stop();
  }
  return rows;
}
