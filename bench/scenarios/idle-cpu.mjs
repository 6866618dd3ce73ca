/**
 * Figure 5: idle CPU of the daemon with 2 and with 20 idle loops (cycles sleep
 * 1 s), in % of one core over 10 s windows.
 *
 * Floor: a bare Node process holding as many idle workers, each waking once a
 * second as the loops do (bench/floors/idle-holder.mjs).
 *
 * Both processes run at once and every window reads both, so each window is a
 * pair taken under the same conditions. The pairs for 2 and 20 loops run at
 * the same time too, to share the long settling time. (Each process alone, one
 * after the other, took 200 s and was no steadier: most of the spread is the
 * process's own, set by how its workers' wake-ups fall; see BENCHMARKS.md.)
 * CPU time is the sum over threads of /proc/<pid>/task/<tid>/schedstat (ns),
 * for the daemon and its child processes (esbuild's service); utime+stime
 * ticks are kept in results.json as a cross-check.
 */
import { sleep, nowMs } from '../lib/clock.mjs';
import { startDaemon } from '../lib/daemon.mjs';
import { startHolder } from '../lib/holder.mjs';
import { loopsOf } from '../lib/manifest.mjs';
import { loopModule } from '../lib/paths.mjs';
import { cpuNs, cpuTicks, descendants, commandOf, CLK_TCK } from '../lib/proc.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';

export const id = 'idle-cpu';
export const title = 'idle CPU';

/** CPU counters of a process and its descendants, per pid. */
function snapshot(pid) {
  const pids = [pid, ...descendants(pid)];
  return new Map(pids.map((p) => [p, { ns: cpuNs(p), ticks: cpuTicks(p) }]));
}

/** % of one core used between two snapshots over `ms`, counting the pids present in both that `keep` keeps. */
function percent(before, after, ms, keep = () => true) {
  let ns = 0;
  let ticks = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (!b || !keep(pid)) continue;
    ns += a.ns - b.ns;
    ticks += a.ticks - b.ticks;
  }
  return { pct: (ns / 1e6 / ms) * 100, ticksPct: ((ticks / CLK_TCK) * 1000 / ms) * 100 };
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const windowMs = quick ? 2000 : 10_000;
  const windows = quick ? 1 : 3;
  // For about 25 s after start, background JIT tiers and V8's memory reducer
  // (a few GCs per isolate once allocation calms down) keep every process
  // busier than it will ever be again, daemon and floor alike (measured: the
  // bare holder of 20 workers at 1.6–5.9 % in its first 25 s, 0.25 % after).
  const settleMs = quick ? 500 : 30_000;
  const sizes = [2, 20];
  const pairs = await Promise.all(
    sizes.map(async (n) => ({
      n,
      daemon: await startDaemon({ dir, name: `idle-${n}`, manifest: { loops: loopsOf(n, loopModule('sleeps')) } }),
      holder: await startHolder(n),
    })),
  );
  const rows = [];
  try {
    await sleep(settleMs);
    const samples = pairs.map(({ daemon }) => ({
      a: [],
      b: [],
      ticks: { superloops: [], floor: [] },
      helperPct: [],
      helpers: descendants(daemon.pid).map((p) => commandOf(p).slice(0, 120)),
    }));
    for (let w = 0; w < windows; w++) {
      const before = pairs.map(({ daemon, holder }) => ({ d: snapshot(daemon.pid), h: snapshot(holder.pid) }));
      const t0 = nowMs();
      await sleep(windowMs);
      const ms = nowMs() - t0;
      pairs.forEach(({ daemon, holder }, i) => {
        const d1 = snapshot(daemon.pid);
        const d = percent(before[i].d, d1, ms);
        const h = percent(before[i].h, snapshot(holder.pid), ms);
        const s = samples[i];
        s.a.push(d.pct);
        s.b.push(h.pct);
        s.ticks.superloops.push(d.ticksPct);
        s.ticks.floor.push(h.ticksPct);
        // The helpers' share alone: the whole tree but the daemon process.
        s.helperPct.push(percent(before[i].d, d1, ms, (pid) => pid !== daemon.pid).pct);
      });
    }
    pairs.forEach(({ n }, i) => {
      const { a, b, ticks, helperPct, helpers } = samples[i];
      log(`${n} idle loops: daemon ${median(a).toFixed(3)} %, floor ${median(b).toFixed(3)} % of a core (helpers ${median(helperPct).toFixed(3)} %)`);
      rows.push(
        compared({
          scenario: id,
          metric: `5. idle CPU, ${n} idle loops (% of one core)`,
          unit: '%',
          superloops: a,
          floor: b,
          goal: { max: 2 },
          checks: [{ label: '< 0.5 % absolute', value: median(a), max: 0.5 }],
          note: `floor: bare node process holding ${n} idle workers; ${windows} × ${windowMs / 1000} s windows after ${settleMs / 1000} s`,
          extra: { loops: n, windowMs, settleMs, ticksPct: ticks, helperProcesses: helpers, helperPct },
        }),
      );
    });
  } finally {
    await Promise.all(pairs.flatMap(({ daemon, holder }) => [daemon.stop(), holder.stop()]));
  }
  return rows;
}
