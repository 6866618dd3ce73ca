import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, waitFor } from '../helpers.js';
import { parsePromText, samples, value, type PromText } from '../observe/prom-text.js';
import { cleanup, CLI_BIN, DaemonProcess, httpRequest, tempDir, writeManifest } from './daemon-process.js';

// `ctl status --json` and a /metrics scrape are two views of one daemon: the
// metrics are read from the same status() (docs/metrics.md). Here the real
// daemon runs loops that fail in different ways until they are quiet, and the
// two views must give the same figures for every loop and the controller.

const LOOPS = ['failer', 'crasher', 'starter', 'steady'];
const FAILURE_KINDS = ['reported', 'cycle-error', 'crash', 'oom', 'exit', 'watchdog', 'thread-start'];

let daemon: DaemonProcess;
let socket: string;
let http: { host: string; port: number };

beforeAll(async () => {
  const dir = tempDir();
  socket = path.join(dir, 'ctl.sock');
  const manifest = writeManifest(dir, {
    controller: { http: { port: 0 }, max_resets: 10 },
    loops: [
      // Reports a failure every cycle; over its budget it is stopped, and is quiet from then on.
      { name: 'failer', module: fixture('reports-failures'), options: { sleepMs: 20 }, max_loop_failures: 4, stop_on_failure: true, reset_globally: false },
      // process.exit(3) in generations 0 and 1 (failures `exit`, two restarts), then runs.
      { name: 'crasher', module: fixture('exits-in-early-generations'), options: { generations: 2 }, reset_globally: false, restart_delay: '10ms' },
      // onThreadStart throws in every generation: failures `thread-start`, restarts, then stopped over its budget.
      { name: 'starter', module: fixture('throws-in-hook'), options: { hook: 'onThreadStart' }, max_loop_failures: 2, stop_on_failure: true, reset_globally: false, restart_delay: '10ms' },
      // Takes part in every global reset: one generation per reset.
      { name: 'steady', module: fixture('counts-cycles') },
    ],
  });
  daemon = await DaemonProcess.start({ manifest, socket });
  http = daemon.records.find((r) => r.msg === 'Daemon ready')!.http as { host: string; port: number };
});

afterAll(cleanup);

function ctlStatus(): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_BIN, '--socket', socket, 'ctl', 'status', '--json'], { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`ctl status --json failed: ${err.message} ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

async function scrape(): Promise<PromText> {
  const answer = await httpRequest({ host: http.host, port: http.port, method: 'GET', path: '/metrics' }, undefined);
  expect(answer.status).toBe(200);
  return parsePromText(answer.text);
}

/** What the metrics say of each loop and of the controller, in the shape of status. */
function fromMetrics(text: PromText): unknown {
  return {
    resets: value(text, 'superloops_resets_total'),
    greenLight: value(text, 'superloops_green_light') === 1,
    gaveUp: value(text, 'superloops_gave_up') === 1,
    resetting: value(text, 'superloops_resetting') === 1,
    loops: LOOPS.map((loop) => ({
      name: loop,
      state: samples(text, 'superloops_loop_state', { loop }).find((s) => s.value === 1)?.labels.state,
      generation: value(text, 'superloops_loop_generation', { loop }),
      cycles: value(text, 'superloops_loop_cycles_total', { loop }),
      failures: value(text, 'superloops_loop_budget_failures', { loop }),
      failuresByKind: Object.fromEntries(FAILURE_KINDS.map((kind) => [kind, value(text, 'superloops_loop_failures_total', { loop, kind })])),
      restarts: value(text, 'superloops_loop_restarts_total', { loop }),
    })),
  };
}

/** The same figures from a status result. */
function fromStatus(status: any): unknown {
  const c = status.controller;
  return {
    resets: c.resets,
    greenLight: c.greenLight,
    gaveUp: c.gaveUp,
    resetting: c.resetting,
    loops: LOOPS.map((name) => {
      const l = c.loops.find((x: any) => x.name === name);
      return { name, state: l.state, generation: l.generation, cycles: l.cycles, failures: l.failures, failuresByKind: l.failuresByKind, restarts: l.restarts };
    }),
  };
}

describe('ctl status --json and /metrics', () => {
  it('agree on every loop\'s failures by kind, cycles, restarts and generation, and on the controller\'s resets, once the daemon is quiet', async () => {
    const loopOf = async (name: string): Promise<any> => (await daemon.status()).controller.loops.find((l: any) => l.name === name);
    // The failing loops end by themselves, stopped over their budgets ('failed' when the
    // worker had died already); the crasher settles in generation 2.
    const ended = (l: any): boolean => !l.running && !l.alive && (l.state === 'stopped' || l.state === 'failed');
    for (const name of ['failer', 'starter']) {
      await waitFor(async () => ended(await loopOf(name)), { timeoutMs: 20_000, what: `${name} to be stopped over its failure budget` });
    }
    await waitFor(async () => {
      const l = await loopOf('crasher');
      return l.state === 'running' && l.generation === 2 && l.cycles > 0;
    }, { timeoutMs: 20_000, what: 'crasher to run in generation 2' });

    // The resets the failing loops set off are over, so the one asked for is a reset of its own.
    await waitFor(async () => !(await daemon.status()).controller.resetting, { timeoutMs: 20_000, what: 'the threshold resets to end' });
    const reset = await daemon.request('POST', '/v1/reset');
    expect(reset.status, reset.text).toBe(200);
    // Stopping every loop freezes the figures: nothing cycles, fails or restarts any more.
    const stopped = await daemon.request('POST', '/v1/loops/stop');
    expect(stopped.status, stopped.text).toBe(200);

    const before = await ctlStatus();
    const metrics = fromMetrics(await scrape());
    const after = await daemon.status();
    // Quiet indeed: the socket's status after the scrape is what ctl saw before it.
    expect(fromStatus(after)).toEqual(fromStatus(before));
    expect(metrics).toEqual(fromStatus(before));

    // The figures compared are not all zeros: each loop failed the way it was meant to.
    const figures = fromStatus(before) as { resets: number; loops: { name: string; failuresByKind: Record<string, number>; restarts: number; generation: number; cycles: number }[] };
    const byName = Object.fromEntries(figures.loops.map((l) => [l.name, l]));
    // Over its budget a loop is stopped and still clears the green light: failer's (and maybe starter's) global reset, then the one asked for.
    expect(figures.resets).toBeGreaterThanOrEqual(2);
    expect(byName.failer!.failuresByKind.reported).toBeGreaterThan(4);
    expect(byName.crasher!.failuresByKind.exit).toBe(2);
    expect(byName.crasher!.restarts).toBe(2);
    expect(byName.crasher!.generation).toBe(2);
    expect(byName.starter!.failuresByKind['thread-start']).toBeGreaterThan(2);
    expect(byName.starter!.restarts).toBeGreaterThan(0); // a thread-start failure is restarted like a crash
    expect(byName.steady!.generation).toBe(figures.resets); // each global reset restarted it as its next generation
    expect(byName.steady!.cycles).toBeGreaterThan(0);
  });
});
