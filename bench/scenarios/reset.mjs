/**
 * Figure 4: global reset of N loops whose cycles sleep 1 s. One loop reports a
 * failure past its budget (`maxLoopFailures: 0`, so its first failure is one
 * too many); measured from that `failure()` call to the controller's
 * 'resetCompleted' event, which comes once every `resetGlobally` loop runs its
 * next generation (checked: all N restarted).
 *
 * Floor: terminate N bare workers at once and, once all are gone, spawn N at
 * once up to every first message: the same two phases as a reset (everything
 * down before anything starts again), with nothing but the threads. The bare
 * workers wake as often as the loops (every 1 s, or every 10 ms).
 *
 * "Independent of the cycle length": 20 loops whose cycles sleep 10 ms get the
 * same treatment, and the row after compares the two.
 */
import { newController } from '../lib/controller.mjs';
import { nowMs } from '../lib/clock.mjs';
import { loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median, pairRatios } from '../lib/stats.mjs';
import { nextEvent } from '../lib/wait-for.mjs';
import { replaceAll, spawnMany } from '../floors/spawn.mjs';

export const id = 'reset';
export const title = 'global reset';

/**
 * Resets N loops (cycles sleeping `sleepMs`) paired with the floor.
 * @returns {Promise<{ a: number[], b: number[], ratios: number[], reported: number[] }>}
 */
async function measure({ dir, n, sleepMs, rounds, warmup }) {
  const controller = await newController(dir);
  for (let i = 0; i < n; i++) {
    controller.newLoop({ name: `loop${i}`, module: loopModule('sleeps'), options: { sleepMs }, maxLoopFailures: 0 });
  }
  await controller.start();
  // The floor's workers wake as often as the loops do, so both sides load the machine alike.
  let workers = await spawnMany(n, { sleepMs });
  const reported = [];
  try {
    const result = await paired({
      rounds,
      warmup,
      a: async () => {
        const completed = nextEvent(controller, 'resetCompleted', () => true, 120_000);
        const began = nowMs();
        controller.loops[0].failure();
        const done = await completed;
        const ms = nowMs() - began;
        if (done.restarted.length !== n) {
          throw new Error(`bench: reset restarted ${done.restarted.length} of ${n} loops`);
        }
        reported.push(done.durationMs);
        return ms;
      },
      b: async () => {
        const replaced = await replaceAll(workers, { sleepMs });
        workers = replaced.workers;
        return replaced.ms;
      },
    });
    return { ...result, reported };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await controller.stop();
  }
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const sizes = quick ? [2, 5] : [2, 20, 100];
  const roundsFor = (n) => (quick ? 1 : n >= 100 ? 3 : n >= 20 ? 5 : 10);
  // Starting 100 loops and 100 bare workers warms both sides up already.
  const warmupFor = (n) => (quick || n >= 100 ? 0 : 1);
  const rows = [];
  for (const n of sizes) {
    const result = await measure({ dir, n, sleepMs: 1000, rounds: roundsFor(n), warmup: warmupFor(n) });
    log(`reset of ${n}: ${median(result.a).toFixed(0)} ms, floor ${median(result.b).toFixed(0)} ms`);
    rows.push(
      compared({
        scenario: id,
        metric: `4. global reset, ${n} loops (cycles sleep 1 s)`,
        unit: 'ms',
        superloops: result.a,
        floor: result.b,
        ratios: result.ratios,
        goal: { max: 1.3 },
        note: `floor: terminate ${n} + spawn ${n} bare workers concurrently`,
        extra: { loops: n, sleepMs: 1000, reportedDurationMs: result.reported },
      }),
    );
  }
  // The same reset with short cycles: the time must not depend on how long a cycle sleeps.
  const n = quick ? 5 : 20;
  const short = await measure({ dir, n, sleepMs: 10, rounds: roundsFor(n), warmup: warmupFor(n) });
  log(`reset of ${n} with 10 ms cycles: ${median(short.a).toFixed(0)} ms, floor ${median(short.b).toFixed(0)} ms`);
  rows.push(
    compared({
      scenario: id,
      metric: `4. global reset, ${n} loops (cycles sleep 10 ms)`,
      unit: 'ms',
      superloops: short.a,
      floor: short.b,
      ratios: short.ratios,
      goal: { max: 1.3 },
      note: `floor: terminate ${n} + spawn ${n} bare workers concurrently`,
      extra: { loops: n, sleepMs: 10, reportedDurationMs: short.reported },
    }),
  );
  const long = rows.find((r) => r.extra?.loops === n && r.extra?.sleepMs === 1000);
  if (long) {
    // Raw times, round by round: does a longer cycle make the reset slower? (SuperLoops: 70–90×.)
    const a = long.samples.superloops;
    const k = Math.min(a.length, short.a.length);
    rows.push(
      compared({
        scenario: id,
        metric: `4. cycle-length independence: reset of ${n}, 1 s cycles ÷ 10 ms cycles`,
        unit: 'ms',
        superloops: a,
        floor: short.a,
        ratios: pairRatios(a.slice(0, k), short.a.slice(0, k)),
        goal: { max: 1.3 },
        note: 'superloops column: 1 s cycles; floor column: 10 ms cycles; ≤ 1 means a long cycle does not slow the reset',
      }),
    );
  }
  return rows;
}
