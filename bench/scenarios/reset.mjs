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
 * same treatment; then two controllers of 20 loops, one with 1 s cycles and
 * one with 10 ms cycles, run side by side and their resets are paired.
 */
import { newController } from '../lib/controller.mjs';
import { nowMs } from '../lib/clock.mjs';
import { loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';
import { nextEvent } from '../lib/wait-for.mjs';
import { replaceAll, spawnMany } from '../floors/spawn.mjs';

export const id = 'reset';
export const title = 'global reset';

/** A controller running `n` loops whose cycles sleep `sleepMs`, each with `maxLoopFailures: 0`. */
async function loopsController(dir, n, sleepMs) {
  const controller = await newController(dir);
  for (let i = 0; i < n; i++) {
    controller.newLoop({ name: `loop${i}`, module: loopModule('sleeps'), options: { sleepMs }, maxLoopFailures: 0 });
  }
  await controller.start();
  return controller;
}

/**
 * One global reset: the first loop's failure() to 'resetCompleted'. Resolves
 * with the time measured here and the duration the controller reported.
 */
async function resetOnce(controller) {
  const n = controller.loops.length;
  const completed = nextEvent(controller, 'resetCompleted', () => true, 120_000);
  const began = nowMs();
  controller.loops[0].failure();
  const done = await completed;
  const ms = nowMs() - began;
  if (done.restarted.length !== n) throw new Error(`bench: reset restarted ${done.restarted.length} of ${n} loops`);
  return { ms, reportedMs: done.durationMs };
}

/**
 * Resets N loops (cycles sleeping `sleepMs`) paired with the floor.
 * @returns {Promise<{ a: number[], b: number[], reported: number[] }>}
 */
async function measure({ dir, n, sleepMs, rounds, warmup }) {
  const controller = await loopsController(dir, n, sleepMs);
  // The floor's workers wake as often as the loops do, so both sides load the machine alike.
  let workers = await spawnMany(n, { sleepMs });
  const reported = [];
  try {
    const result = await paired({
      rounds,
      warmup,
      a: async (round) => {
        const { ms, reportedMs } = await resetOnce(controller);
        if (round >= 0) reported.push(reportedMs);
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

/**
 * Two controllers of `n` loops, one whose cycles sleep 1 s and one whose cycles
 * sleep 10 ms, both running; their resets alternate and pair up round by round.
 */
async function measureIndependence({ dir, n, rounds, warmup }) {
  const long = await loopsController(dir, n, 1000);
  const short = await loopsController(dir, n, 10);
  try {
    return await paired({
      rounds,
      warmup,
      a: async () => (await resetOnce(long)).ms,
      b: async () => (await resetOnce(short)).ms,
    });
  } finally {
    await Promise.all([long.stop(), short.stop()]);
  }
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const roundsFor = (n) => (quick ? 1 : n >= 100 ? 3 : n >= 20 ? 5 : 10);
  // Starting 100 loops and 100 bare workers warms both sides up already.
  const warmupFor = (n) => (quick || n >= 100 ? 0 : 1);
  const short = quick ? 5 : 20;
  const cases = [...(quick ? [2, 5] : [2, 20, 100]).map((n) => ({ n, sleepMs: 1000 })), { n: short, sleepMs: 10 }];
  const rows = [];
  for (const { n, sleepMs } of cases) {
    const cycles = sleepMs === 1000 ? '1 s' : `${sleepMs} ms`;
    const result = await measure({ dir, n, sleepMs, rounds: roundsFor(n), warmup: warmupFor(n) });
    log(`reset of ${n} (cycles sleep ${cycles}): ${median(result.a).toFixed(0)} ms, floor ${median(result.b).toFixed(0)} ms`);
    rows.push(
      compared({
        scenario: id,
        metric: `4. global reset, ${n} loops (cycles sleep ${cycles})`,
        unit: 'ms',
        superloops: result.a,
        floor: result.b,
        goal: { max: 1.3 },
        note: `floor: terminate ${n} + spawn ${n} bare workers concurrently`,
        extra: { loops: n, sleepMs, reportedDurationMs: result.reported },
      }),
    );
  }
  // Does a longer cycle make the reset slower? (SuperLoops: 70–90×.)
  const independence = await measureIndependence({ dir, n: short, rounds: roundsFor(short), warmup: warmupFor(short) });
  log(`reset of ${short}: 1 s cycles ${median(independence.a).toFixed(0)} ms, 10 ms cycles ${median(independence.b).toFixed(0)} ms`);
  rows.push(
    compared({
      scenario: id,
      metric: `4. cycle-length independence: reset of ${short}, 1 s cycles ÷ 10 ms cycles`,
      unit: 'ms',
      superloops: independence.a,
      floor: independence.b,
      goal: { max: 1.3 },
      note: 'superloops column: 1 s cycles; floor column: 10 ms cycles, both controllers running, resets alternated; near 1 means a long cycle does not slow the reset',
    }),
  );
  return rows;
}
