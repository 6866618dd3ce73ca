/**
 * Figure 8: start → first cycle of one loop. From `loop.start()` to the stamp
 * the loop writes in its first cycle; the loop's module is already compiled
 * (the controller reuses the compiled file until the source changes), as on
 * every start but the first. A second row shows the first start of a module,
 * compile included (esbuild's service already running).
 *
 * Floor: a bare worker's spawn → first message, the same module format.
 */
import { firstCycleOf, newController, newStamps } from '../lib/controller.mjs';
import { nowMs } from '../lib/clock.mjs';
import { loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';
import { bareSpawnMs } from '../floors/spawn.mjs';
import path from 'node:path';

export const id = 'start';
export const title = 'start → first cycle';

/** Starts a fresh loop on `controller`, resolves with start() → first-cycle stamp, then removes it. */
async function timeStart(controller, name) {
  const stamps = newStamps();
  const loop = controller.newLoop({ name, module: loopModule('sleeps'), options: { stamps } });
  const began = nowMs();
  const started = await loop.start();
  if (!started.started) throw new Error(`bench: ${name} did not start: ${JSON.stringify(started)}`);
  const s = await firstCycleOf(stamps, 0, `${name} to stamp its first cycle`);
  await controller.removeLoop(name);
  return s.firstCycleAt - began;
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const rows = [];
  const controller = await newController(dir);
  let count = 0;
  try {
    const warm = await paired({
      rounds: quick ? 1 : 30,
      warmup: quick ? 1 : 2,
      a: () => timeStart(controller, `start${count++}`),
      b: bareSpawnMs,
    });
    log(`start → first cycle ${median(warm.a).toFixed(1)} ms, bare spawn ${median(warm.b).toFixed(1)} ms`);
    rows.push(
      compared({
        scenario: id,
        metric: '8. start → first cycle',
        unit: 'ms',
        superloops: warm.a,
        floor: warm.b,
        goal: { max: 1.2 },
        note: 'floor: bare worker spawn → first message (ESM file)',
      }),
    );
  } finally {
    await controller.stop();
  }

  // The first start of a module: a controller with an empty cache compiles it.
  let fresh = 0;
  const cold = await paired({
    rounds: quick ? 1 : 5,
    // esbuild's service stops a second after a compile (the warm rounds above compiled
    // once, long ago): a warm-up round restarts it, so each round pays the compile alone.
    warmup: 1,
    a: async () => {
      const c = await newController(dir, { cacheDir: path.join(dir, `cold-cache-${fresh++}`) });
      try {
        return await timeStart(c, 'cold');
      } finally {
        await c.stop();
      }
    },
    b: bareSpawnMs,
  });
  log(`first start (compile included) ${median(cold.a).toFixed(1)} ms`);
  rows.push(
    compared({
      scenario: id,
      metric: '8. start → first cycle, module compiled first',
      unit: 'ms',
      superloops: cold.a,
      floor: cold.b,
      note: 'no goal: the first start of a module includes its esbuild compile (esbuild’s service already running)',
    }),
  );
  return rows;
}
