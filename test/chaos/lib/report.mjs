import { FAILURE_KINDS, FAULTS, FAULT_KINDS } from './faults.mjs';
import { MiB, fit, percentile, slope } from './stats.mjs';

/**
 * A memory series after warm-up: the least-squares slope of the raw samples
 * (MiB/min), and the slope of 10-second window means with its standard error.
 * Worker heaps make the daemon's RSS swing by tens of MiB within seconds
 * (sd ≈ 35 MiB with 20 loops); the window means are the series the gate uses,
 * because neighbouring raw samples are not independent and their standard
 * error would be too small.
 */
export function memoryTrend(samples, { fromMs, windowMs = 10_000 }) {
  const after = samples.filter(([t]) => t >= fromMs);
  const points = after.map(([t, bytes]) => [t / 60_000, bytes / MiB]);
  const windows = new Map();
  for (const [x, y] of points) {
    const w = Math.floor(((x * 60_000) - fromMs) / windowMs);
    const acc = windows.get(w) ?? { sx: 0, sy: 0, n: 0 };
    acc.sx += x;
    acc.sy += y;
    acc.n++;
    windows.set(w, acc);
  }
  const means = [...windows.values()].map(({ sx, sy, n }) => [sx / n, sy / n]);
  const trend = fit(means);
  const values = points.map(([, y]) => y);
  return {
    samples: after.length,
    startMiB: values[0],
    endMiB: values[values.length - 1],
    minMiB: Math.min(...values),
    maxMiB: Math.max(...values),
    slopeMiBPerMin: slope(points),
    windowSlopeMiBPerMin: trend.slope,
    windowSlopeSe: trend.se,
    windows: means.length,
  };
}

/** Window means a trend needs before it is judged: with fewer, the standard error itself is too uncertain (2 minutes after warm-up). */
export const MIN_WINDOWS = 12;

/**
 * A leak: the window-mean slope is above `limit` and more than 3 standard
 * errors above 0 (so not the sawtooth of worker heaps). Undefined when the run
 * is too short to tell (fewer than MIN_WINDOWS window means).
 */
export function growing(trend, limit) {
  if (!(trend.windows >= MIN_WINDOWS)) return undefined;
  return trend.windowSlopeMiBPerMin > limit && trend.windowSlopeMiBPerMin > 3 * trend.windowSlopeSe;
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

export function renderReport(r) {
  const out = [];
  const line = (s = '') => out.push(s);
  line(`superloops chaos soak — seed ${r.seed}, ${r.loops} chaotic loops (+ calm, spare), ${fmt(r.ranMs / 1000, 0)} s of chaos (asked ${fmt(r.durationMs / 1000, 0)} s)`);
  line(`result: ${r.breaches.length === 0 ? 'PASS, 0 breaches' : `FAIL, ${r.breaches.length} breach(es)`}`);
  line();
  line('faults injected (outcome per the daemon\'s log and status):');
  line(`  ${'fault'.padEnd(20)} ${'injected'.padStart(8)}  outcome`);
  for (const kind of FAULT_KINDS) {
    const outcomes = Object.entries(r.outcomes[kind]).map(([k, n]) => `${k} ${n}`).join(', ');
    const pending = r.injected[kind] - Object.values(r.outcomes[kind]).reduce((s, n) => s + n, 0);
    line(`  ${kind.padEnd(20)} ${String(r.injected[kind]).padStart(8)}  ${outcomes}${pending ? `, unsettled ${pending}` : ''}  [expects ${FAULTS[kind].counts.join('|') || (kind === 'ignore-stop' ? 'Terminated on stop' : 'every line')}]`);
  }
  line(`  total ${Object.values(r.injected).reduce((s, n) => s + n, 0)} faults; ${r.burstLines} burst lines`);
  line();
  line(`failures in status (all Loops, at the final quiesce): ${FAILURE_KINDS.map((k) => `${k} ${r.statusFailures[k]}`).join(', ')}`);
  line(`  of which ctl failure commands: ${r.driverFailures}`);
  line(`  accounting: ${r.accounting.exact ? 'status == "Failure" lines for every loop and kind' : 'MISMATCH'}; ${r.accounting.brackets} bracketed status checks during the run`);
  line(`watchdog diagnosis: spin → ${JSON.stringify(r.watchdog.spin)}, hang → ${JSON.stringify(r.watchdog.hang)}, oom → ${JSON.stringify(r.watchdog.oom)}`);
  line(`restarts ${r.restarts} (log: ${r.restartScheduled} scheduled); generations started ${r.generations}; ends ${JSON.stringify(r.ends)}`);
  line(`global resets ${r.resets.total} (threshold ${r.resets.threshold}, requested ${r.resets.requested}, completed ${r.resets.completed}); reloads ${r.reloads}`);
  line();
  line('commands (verb: sent {status: count}):');
  for (const [verb, t] of Object.entries(r.commands).sort()) line(`  ${verb.padEnd(26)} ${String(t.sent).padStart(5)}  ${JSON.stringify(t.statuses)}`);
  line(`  stop did not stick (re-stopped before a reload): ${r.findings.stopDidNotStick}`);
  line();
  line(`threads: baseline ${r.threads.baseline}, max ${r.threads.max} (bound ${r.threads.bound}), ${r.threads.consistent}/${r.threads.samples} samples exactly baseline + alive, longest mismatch ${fmt(r.threads.longestMismatchMs, 0)} ms`);
  line(`status latency: p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, max ${fmt(r.latency.max)} ms (${r.latency.n} requests, deadline 1000 ms)`);
  const m = r.rss;
  line(
    `RSS after ${fmt(r.warmupMs / 1000, 0)} s warm-up: start ${fmt(m.startMiB)} MiB, end ${fmt(m.endMiB)} MiB, min ${fmt(m.minMiB)}, max ${fmt(m.maxMiB)}; ` +
      `least-squares slope ${fmt(m.slopeMiBPerMin, 2)} MiB/min; 10 s means ${fmt(m.windowSlopeMiBPerMin, 2)} ± ${fmt(m.windowSlopeSe, 2)} MiB/min (limit ${r.rssSlopeLimit}${m.windows >= MIN_WINDOWS ? '' : `; ${m.windows} windows, too few to judge`})`,
  );
  if (r.idleRss?.endMiB !== undefined) {
    const perGen = ((r.idleRss.endMiB - r.idleRss.startMiB) * 1024) / Math.max(1, r.generations);
    line(`idle RSS (every loop stopped): ${fmt(r.idleRss.startMiB)} MiB at the start, ${fmt(r.idleRss.endMiB)} MiB at the end, after ${r.generations} generations (${fmt(perGen, 2)} KiB per generation; limit ${r.idleRssAllowance} MiB + ${r.idleRssPerGenerationLimit} KiB each)`);
  }
  const h = r.heap;
  if (h.samples > 1) {
    line(`main-thread JS heap: start ${fmt(h.startMiB)} MiB, end ${fmt(h.endMiB)} MiB; slope ${fmt(h.slopeMiBPerMin, 2)} MiB/min; 10 s means ${fmt(h.windowSlopeMiBPerMin, 2)} ± ${fmt(h.windowSlopeSe, 2)} MiB/min (limit ${r.heapSlopeLimit}${h.windows >= MIN_WINDOWS ? '' : `; ${h.windows} windows, too few to judge`})`);
  }
  const s = r.shutdown;
  if (s) {
    line(`shutdown: SIGTERM → exit ${s.code}${s.signal ? ` (${s.signal})` : ''} in ${fmt(s.ms, 0)} ms (max grace ${s.maxGraceMs} ms, shutdown_timeout ${s.shutdownTimeoutMs} ms); last line ${s.lastLine}`);
    line(`  ${s.alive} loops alive at SIGTERM; Stopped: ${JSON.stringify(s.stopped)}; child processes left: ${s.childrenLeft}`);
  }
  if (Object.keys(r.warnings).length) line(`other warnings in the log: ${JSON.stringify(r.warnings)}`);
  line();
  line(`breaches: ${r.breaches.length}`);
  for (const b of r.breaches.slice(0, 50)) line(`  [${fmt(b.atS, 1)} s] ${b.area}: ${b.message}`);
  if (r.breaches.length > 50) line(`  … ${r.breaches.length - 50} more`);
  line(`work dir: ${r.workDir}${r.kept ? '' : ' (removed)'}`);
  return out.join('\n');
}

export function latencySummary(values) {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

/** The report with defaults for what a run cut short (by a breach or a harness error) never measured. */
export function withDefaults(r, ledger) {
  return {
    ranMs: NaN,
    warmupMs: NaN,
    injected: ledger.injected,
    outcomes: ledger.outcomes,
    burstLines: ledger.burstLines,
    driverFailures: ledger.driverFailures.counted,
    statusFailures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, NaN])),
    accounting: { exact: false, brackets: 0 },
    watchdog: ledger.watchdog,
    restarts: NaN,
    restartScheduled: NaN,
    generations: ledger.started,
    ends: ledger.ends,
    resets: ledger.resets,
    reloads: NaN,
    commands: {},
    findings: {},
    threads: { baseline: NaN, bound: NaN, max: NaN, samples: 0, consistent: 0, longestMismatchMs: NaN },
    latency: latencySummary([]),
    rss: { slopeMiBPerMin: NaN },
    heap: { samples: 0 },
    warnings: {},
    ...r,
  };
}
