#!/usr/bin/env node
/**
 * The chaos soak: the real daemon, loops that fail in every way a loop can,
 * a driver sending random control commands, and checks that run the whole
 * time. `npm run chaos -- --duration 10m --loops 20 --seed 42`.
 *
 * Phases: start the daemon on a generated manifest; stop every loop and
 * measure the daemon's baseline thread count; start them and let the chaos and
 * the driver run for --duration while the checker watches; stop every loop and
 * settle the books exactly (status counters == log, every fault accounted
 * for); start them again and send SIGTERM: exit 0 within the shutdown bound,
 * "Stopped" last, no worker or child left. Exit 0 with no breach, 1 with.
 *
 * The daemon runs from a copy of dist/ taken at the start, so a rebuild during
 * a long soak does not change the code under test.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args.mjs';
import { Checker } from './lib/checker.mjs';
import { DaemonProcess, control } from './lib/daemon.mjs';
import { Driver } from './lib/driver.mjs';
import { FAILURE_KINDS } from './lib/faults.mjs';
import { Ledger } from './lib/ledger.mjs';
import { Plan } from './lib/plan.mjs';
import { Random } from './lib/prng.mjs';
import { isAlive, rssBytes, stableThreadCount } from './lib/proc.mjs';
import { growing, latencySummary, memoryTrend, renderReport, withDefaults } from './lib/report.mjs';
import { shutdown } from './lib/shutdown.mjs';

const CHECK_EVERY_MS = 250;
/** After the books are settled, the loops run (and fault) this long before SIGTERM, so the shutdown meets stuck loops. */
const TAIL_MS = 8000;

const opts = parseArgs(process.argv.slice(2));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'sl-chaos-'));
const began = performance.now();

// ── breaches ─────────────────────────────────────────────────────────────
const breaches = [];
let abort;
const aborted = new Promise((resolve) => (abort = resolve));
function breach(area, message) {
  breaches.push({ area, message, atS: (performance.now() - began) / 1000 });
  process.stderr.write(`BREACH [${area}] ${message}\n`);
  if (!opts.keepGoing) abort();
}
const say = (text) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1)} s] ${text}\n`);

// ── a frozen build ───────────────────────────────────────────────────────
const build = path.join(work, 'build');
cpSync(path.join(repo, 'dist'), path.join(build, 'dist'), { recursive: true });
cpSync(path.join(repo, 'bin'), path.join(build, 'bin'), { recursive: true });
cpSync(path.join(repo, 'package.json'), path.join(build, 'package.json'));
symlinkSync(path.join(repo, 'node_modules'), path.join(build, 'node_modules'), 'dir');

// ── the daemon ───────────────────────────────────────────────────────────
const socket = path.join(work, 'ctl.sock');
const plan = new Plan({ seed: opts.seed, loops: opts.loops, file: path.join(work, 'manifest.yaml'), socket });
plan.write();
const ledger = new Ledger({ breach });
const daemon = new DaemonProcess({
  bin: path.join(build, 'bin', 'superloopsd.js'),
  manifest: plan.file,
  socket,
  logFile: path.join(work, 'daemon.log'),
  args: ['--log-level', 'debug'],
  nice: 5,
});
daemon.onLine((record, text) => ledger.line(record, text));
let shuttingDown = false;
void daemon.exited.then(({ code, signal }) => {
  if (!shuttingDown) breach('liveness', `the daemon exited on its own: code ${code}, signal ${signal}; stderr: ${daemon.stderr.slice(0, 500)}`);
});

const report = { seed: opts.seed, loops: opts.loops, durationMs: opts.durationMs, rssSlopeLimit: opts.rssSlopeLimit, heapSlopeLimit: opts.heapSlopeLimit, idleRssPerGenerationLimit: opts.idleRssPerGenerationLimit, idleRssAllowance: opts.idleRssAllowance, workDir: work };
let exitCode = 1;
try {
  const ready = await Promise.race([
    daemon.waitForLine((r) => r.msg === 'Daemon ready', { timeoutMs: 60_000, what: 'the "Daemon ready" line' }),
    daemon.exited.then(({ code }) => Promise.reject(new Error(`the daemon exited with ${code} before it was ready: ${daemon.stderr}`))),
  ]);
  say(`daemon ${daemon.pid} ready with ${ready.loops.length} loops; work dir ${work}`);

  // ── baseline threads, with no worker alive ─────────────────────────────
  const checker = new Checker({ daemon, ledger, plan, breach, metricsAddress: ready.http });
  await expectOk(control(socket, 'POST', '/v1/loops/stop'), 'stop every loop for the baseline');
  checker.baseline = await stableThreadCount(daemon.pid);
  report.idleRss = { startMiB: rssBytes(daemon.pid) / 2 ** 20 };
  const idle = await checker.status();
  if (idle?.controller.loops.some((l) => l.alive)) throw new Error('a loop is alive after stop-all; cannot measure the baseline');
  say(`baseline: ${checker.baseline} threads with no loop alive`);
  await expectOk(control(socket, 'POST', '/v1/loops/start'), 'start every loop');

  // ── chaos ──────────────────────────────────────────────────────────────
  const chaosFrom = performance.now();
  const until = chaosFrom + opts.durationMs;
  const driver = new Driver({
    socket,
    plan,
    ledger,
    checker,
    random: new Random(opts.seed ^ 0xd21e),
    concurrency: opts.concurrency,
    gapMs: opts.commandGapMs,
    reloadRace: opts.reloadRace,
    breach,
    cli: path.join(build, 'bin', 'superloops.js'),
  });
  const driving = driver.run(until);
  let lastNote = performance.now();
  while (performance.now() < until && breaches.length === (opts.keepGoing ? breaches.length : 0)) {
    const tick = checker.tick();
    await Promise.race([tick, aborted]);
    ledger.settle();
    if (performance.now() - lastNote > 30_000) {
      lastNote = performance.now();
      const injected = Object.values(ledger.injected).reduce((s, n) => s + n, 0);
      say(`${Math.round((lastNote - chaosFrom) / 1000)} s: ${injected} faults, ${ledger.resets.total} resets, ${ledger.started} generations, ${breaches.length} breaches`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, CHECK_EVERY_MS)), aborted]);
  }
  driver.stopped = true;
  await Promise.race([driving, new Promise((r) => setTimeout(r, 35_000))]);
  const chaosMs = performance.now() - chaosFrom;
  report.ranMs = chaosMs;
  report.warmupMs = Math.min(60_000, 0.25 * opts.durationMs);
  say(`chaos over after ${Math.round(chaosMs / 1000)} s; settling the books`);

  // ── the books, exactly: every loop stopped, every fault's outcome in ───
  let finalStatus;
  if (isAlive(daemon.pid)) {
    await expectOk(control(socket, 'POST', '/v1/loops/stop', undefined, { timeoutMs: 60_000 }), 'stop every loop to settle the books');
    finalStatus = await checker.status();
    ledger.settle(Infinity);
    await stableThreadCount(daemon.pid);
    report.idleRss.endMiB = rssBytes(daemon.pid) / 2 ** 20;
  }
  report.accounting = { exact: false, brackets: checker.brackets };
  if (finalStatus) {
    const totals = checker.totals(finalStatus);
    report.statusFailures = Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0]));
    let exact = true;
    for (const [name, t] of totals) {
      for (const kind of FAILURE_KINDS) {
        report.statusFailures[kind] += t.failuresByKind[kind];
        const logged = ledger.failureLines.get(name)?.[kind] ?? 0;
        if (logged !== t.failuresByKind[kind]) {
          exact = false;
          breach('accounting', `at the final quiesce ${name} shows ${t.failuresByKind[kind]} ${kind} failures in status and ${logged} in the log`);
        }
      }
    }
    report.accounting.exact = exact;
    report.restarts = [...totals.values()].reduce((s, t) => s + t.restarts, 0);
    if (finalStatus.controller.resets !== ledger.resets.total) {
      breach('accounting', `status counts ${finalStatus.controller.resets} global resets, the log ${ledger.resets.total}`);
    }
  }

  // ── the end: loops running and faulting again, then SIGTERM ────────────
  if (isAlive(daemon.pid)) {
    await expectOk(control(socket, 'POST', '/v1/loops/start', undefined, { timeoutMs: 60_000 }), 'start every loop before SIGTERM');
    const tailUntil = performance.now() + TAIL_MS;
    while (performance.now() < tailUntil) {
      await checker.tick();
      ledger.settle();
      await new Promise((r) => setTimeout(r, CHECK_EVERY_MS));
    }
    report.shutdown = await shutdown({
      daemon,
      status: await checker.status(),
      maxGraceMs: plan.maxGraceMs,
      shutdownTimeoutMs: plan.shutdownTimeoutMs,
      breach,
      onSignal: () => (shuttingDown = true),
    });
  }

  // ── figures ────────────────────────────────────────────────────────────
  await daemon.drained;
  ledger.settle(Infinity, { final: true });
  Object.assign(report, {
    injected: ledger.injected,
    outcomes: ledger.outcomes,
    burstLines: ledger.burstLines,
    driverFailures: ledger.driverFailures.counted,
    watchdog: ledger.watchdog,
    restartScheduled: [...ledger.restartScheduled.values()].reduce((s, n) => s + n, 0),
    generations: ledger.started,
    ends: ledger.ends,
    resets: ledger.resets,
    reloads: driver.reloads,
    commands: Object.fromEntries(driver.commands),
    findings: driver.findings,
    threads: { ...checker.threads, baseline: checker.baseline, bound: checker.baseline + plan.maxLoops + 1 },
    latency: latencySummary(checker.latencies),
    rss: memoryTrend(checker.rss, { fromMs: chaosFrom + report.warmupMs }),
    heap: memoryTrend(checker.heap, { fromMs: chaosFrom + report.warmupMs }),
    series: { rss: checker.rss.map(([t, b]) => [Math.round(t - chaosFrom), b]), heap: checker.heap.map(([t, b]) => [Math.round(t - chaosFrom), b]) },
    warnings: Object.fromEntries(ledger.warnings),
  });
  report.statusFailures ??= Object.fromEntries(FAILURE_KINDS.map((k) => [k, NaN]));
  report.restarts ??= NaN;
  for (const [what, trend, limit] of [['RSS', report.rss, opts.rssSlopeLimit], ['main-thread heap', report.heap, opts.heapSlopeLimit]]) {
    if (growing(trend, limit)) {
      breach('memory', `${what} grew ${trend.windowSlopeMiBPerMin.toFixed(2)} ± ${trend.windowSlopeSe.toFixed(2)} MiB/min after warm-up (limit ${limit})`);
    }
  }
  // What the generations leave behind once every loop is stopped again: judged in every run, the CI one included.
  if (report.idleRss?.endMiB !== undefined) {
    const grewMiB = report.idleRss.endMiB - report.idleRss.startMiB;
    const limitMiB = opts.idleRssAllowance + (opts.idleRssPerGenerationLimit * report.generations) / 1024;
    if (grewMiB > limitMiB) {
      breach('memory', `idle RSS grew ${grewMiB.toFixed(1)} MiB over ${report.generations} generations (limit ${limitMiB.toFixed(1)}: ${opts.idleRssAllowance} MiB + ${opts.idleRssPerGenerationLimit} KiB each)`);
    }
  }
  if (daemon.stderr.trim() !== '') breach('stderr', `the daemon wrote to stderr: ${daemon.stderr.slice(0, 500)}`);
  exitCode = breaches.length === 0 ? 0 : 1;
} catch (err) {
  breach('harness', err.stack ?? String(err));
  exitCode = 2;
} finally {
  if (isAlive(daemon.pid)) {
    daemon.signal('SIGKILL');
    await daemon.exited;
  }
}

report.breaches = breaches;
report.kept = opts.keep || exitCode !== 0;
const text = renderReport(withDefaults(report, ledger));
console.log(text);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
if (!report.kept) rmSync(work, { recursive: true, force: true });
process.exit(exitCode);

// ── helpers ──────────────────────────────────────────────────────────────

async function expectOk(request, what) {
  const answer = await request;
  if (answer.status !== 200) throw new Error(`${what}: the daemon answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}
