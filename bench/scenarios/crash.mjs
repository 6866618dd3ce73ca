/**
 * Figure 3: crash → running again. The loop's first generation calls
 * process.exit(1) in its first cycle, which ends only its worker; measured from
 * the stamp it writes just before, to the stamp the next generation writes in
 * its first cycle (the first restart after a crash is immediate: no backoff).
 *
 * Floor: a bare worker's spawn → first message, the same module format (ESM
 * file). The restart cannot be cheaper than one spawn; what it adds is seeing
 * the exit, the failure accounting, and the runner and compiled module loads.
 */
import { firstCycleOf, newController, newStamps } from '../lib/controller.mjs';
import { loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';
import { bareSpawnMs } from '../floors/spawn.mjs';

export const id = 'crash';
export const title = 'crash → running again';

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const controller = await newController(dir);
  let count = 0;
  try {
    const result = await paired({
      rounds: quick ? 1 : 30,
      warmup: quick ? 1 : 2, // the first also compiles the module
      a: async () => {
        const stamps = newStamps();
        const name = `crash${count++}`;
        const loop = controller.newLoop({ name, module: loopModule('crashes-first-generation'), options: { stamps }, resetGlobally: false });
        await loop.start();
        const s = await firstCycleOf(stamps, 1, `${name}'s second generation to stamp its first cycle`);
        await controller.removeLoop(name);
        return s.firstCycleAt - s.crashAt;
      },
      b: bareSpawnMs,
    });
    log(`crash → first cycle ${median(result.a).toFixed(1)} ms, bare spawn ${median(result.b).toFixed(1)} ms`);
    return [
      compared({
        scenario: id,
        metric: '3. crash → next generation’s first cycle',
        unit: 'ms',
        superloops: result.a,
        floor: result.b,
        goal: { max: 1.5 },
        note: 'floor: bare worker spawn → first message (ESM file)',
      }),
    ];
  } finally {
    await controller.stop();
  }
}
