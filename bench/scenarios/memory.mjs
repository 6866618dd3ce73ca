/**
 * Figure 6: resident memory (VmRSS) of the daemon with 0, 10 and 50 idle loops,
 * and what each loop adds: the least-squares slope of RSS over the loop count.
 *
 * Floor: the bare idle holder (bench/floors/idle-holder.mjs) with as many
 * idle workers; its slope is the cost of one idle worker. "0 loops" is a daemon
 * whose only loop has `autostart: false` (a manifest needs one loop).
 *
 * Daemon and holder of the same size run at once and are read after the same
 * settling time; each round gives one slope each, and the ratio of the slopes.
 */
import { sleep } from '../lib/clock.mjs';
import { startDaemon } from '../lib/daemon.mjs';
import { startHolder } from '../lib/holder.mjs';
import { loopsOf } from '../lib/manifest.mjs';
import { loopModule } from '../lib/paths.mjs';
import { statusKiB } from '../lib/proc.mjs';
import { compared } from '../lib/row.mjs';
import { median, slope } from '../lib/stats.mjs';

export const id = 'memory';
export const title = 'memory';

const MiB = 1024;

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const sizes = quick ? [0, 2, 5] : [0, 10, 50];
  const rounds = quick ? 1 : 2;
  const settleMs = quick ? 500 : 1500;
  /** @type {Record<number, { superloops: number[], floor: number[] }>} */
  const rss = Object.fromEntries(sizes.map((n) => [n, { superloops: [], floor: [] }]));
  const slopes = { superloops: [], floor: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sizes : [...sizes].reverse();
    for (const n of order) {
      const loops = n === 0 ? [{ name: 'unstarted', module: loopModule('sleeps'), autostart: false }] : loopsOf(n, loopModule('sleeps'));
      const [daemon, holder] = await Promise.all([
        startDaemon({ dir, name: `memory-${n}`, manifest: { loops } }),
        startHolder(n),
      ]);
      try {
        await sleep(settleMs);
        rss[n].superloops.push(statusKiB(daemon.pid) / MiB);
        rss[n].floor.push(statusKiB(holder.pid) / MiB);
      } finally {
        await Promise.all([daemon.stop(), holder.stop()]);
      }
    }
    slopes.superloops.push(slope(sizes, sizes.map((n) => rss[n].superloops[round])));
    slopes.floor.push(slope(sizes, sizes.map((n) => rss[n].floor[round])));
  }
  // Daemon and holder of one round were started together: their RSS pair up.
  const rows = sizes.map((n) =>
    compared({
      scenario: id,
      metric: `6. RSS, daemon with ${n} idle loops`,
      unit: 'MiB',
      superloops: rss[n].superloops,
      floor: rss[n].floor,
      note: `floor: bare node process holding ${n} idle workers`,
      extra: { loops: n },
    }),
  );
  log(`per loop ${median(slopes.superloops).toFixed(2)} MiB, per bare worker ${median(slopes.floor).toFixed(2)} MiB`);
  rows.push(
    compared({
      scenario: id,
      metric: '6. memory per loop (RSS slope)',
      unit: 'MiB',
      superloops: slopes.superloops,
      floor: slopes.floor,
      goal: { max: 1.25 },
      note: `floor: one bare idle worker; least-squares slope over ${sizes.join(', ')} loops`,
    }),
  );
  return rows;
}
