import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoopController, type ControllerOptions, type LoopSpec, type LoopStatus } from 'superloops';
import { createMetrics } from '../../src/observe/metrics.js';
import { CYCLE_BUCKETS_S } from '../../src/worker/protocol.js';
import { captureLogger, fixture, nextEvent, waitFor } from '../helpers.js';
import { parsePromText, samples, value, type PromText } from './prom-text.js';

const controllers: LoopController[] = [];

function newController(options: ControllerOptions = {}): LoopController {
  const c = new LoopController({ logger: captureLogger().logger, ...options });
  controllers.push(c);
  return c;
}

const spec = (name: string, fixtureName: string, extra: Partial<LoopSpec> = {}): LoopSpec => ({ name, module: fixture(fixtureName), ...extra });

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
});

async function scrape(c: LoopController, metrics = createMetrics(c)): Promise<PromText> {
  return parsePromText(await metrics.render());
}

/** Asserts every per-loop counter and gauge of `text` equals `status` of that loop. */
function expectLoopMetricsEqual(text: PromText, status: LoopStatus): void {
  const loop = status.name;
  expect(value(text, 'superloops_loop_cycles_total', { loop })).toBe(status.cycles);
  expect(value(text, 'superloops_loop_generation', { loop })).toBe(status.generation);
  expect(value(text, 'superloops_loop_restarts_total', { loop })).toBe(status.restarts);
  expect(value(text, 'superloops_loop_budget_failures', { loop })).toBe(status.failures);
  expect(value(text, 'superloops_loop_heap_used_bytes', { loop })).toBe(status.heapUsedBytes);
  expect(value(text, 'superloops_loop_up', { loop })).toBe(status.state === 'running' ? 1 : 0);
  expect(value(text, 'superloops_loop_state', { loop, state: status.state })).toBe(1);
  const byKind = Object.fromEntries(samples(text, 'superloops_loop_failures_total', { loop }).map((s) => [s.labels.kind, s.value]));
  expect(byKind).toEqual(status.failuresByKind);
}

describe('createMetrics', () => {
  it('renders valid Prometheus text whose counters equal controller.status() for loops at rest', async () => {
    const c = newController();
    const counting = c.newLoop(spec('Counting', 'counts-cycles', { options: { sleepMs: 1 } }));
    const injected = c.newLoop(spec('Injected', 'counts-cycles'));
    await c.start();
    await waitFor(() => counting.cycles >= 20, { what: 'Counting to complete 20 cycles' });
    for (let i = 0; i < 3; i++) injected.failure();
    await c.stopLoops();

    const metrics = createMetrics(c);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await scrape(c, metrics);
    const status = c.status();
    for (const loop of status.loops) expectLoopMetricsEqual(text, loop);

    expect(status.loops.find((l) => l.name === 'Counting')!.cycles).toBeGreaterThanOrEqual(20);
    expect(value(text, 'superloops_loop_failures_total', { loop: 'Injected', kind: 'reported' })).toBe(3);
    expect(value(text, 'superloops_loop_failures_total', { loop: 'Injected', kind: 'exit' })).toBe(0);
    // Stopped loops: every state but 'stopped' is 0.
    expect(samples(text, 'superloops_loop_state', { loop: 'Counting' }).map((s) => [s.labels.state, s.value])).toEqual([
      ['stopped', 1],
      ['starting', 0],
      ['running', 0],
      ['stopping', 0],
      ['restarting', 0],
      ['failed', 0],
    ]);
    expect(value(text, 'superloops_green_light')).toBe(1);
    expect(value(text, 'superloops_resets_total')).toBe(0);
    expect(value(text, 'superloops_resetting')).toBe(0);
    expect(value(text, 'superloops_gave_up')).toBe(0);
    expect(text.types.get('superloops_loop_cycles_total')).toBe('counter');
    expect(text.types.get('superloops_loop_cycle_duration_seconds')).toBe('histogram');
  });

  it('builds the cycle-duration histogram from the loop buckets: cumulative, CYCLE_BUCKETS_S then +Inf, count = cycles', async () => {
    const c = newController();
    const loop = c.newLoop(spec('Timed', 'counts-cycles', { options: { sleepMs: 2 } }));
    await loop.start();
    await waitFor(() => loop.cycles >= 10, { what: 'Timed to complete 10 cycles' });
    await loop.stop();

    const text = await scrape(c);
    const buckets = samples(text, 'superloops_loop_cycle_duration_seconds_bucket', { loop: 'Timed' });
    expect(buckets.map((b) => b.labels.le)).toEqual([...CYCLE_BUCKETS_S.map(String), '+Inf']);
    const { counts, sumSeconds } = loop.cycleDurations();
    let cumulative = 0;
    buckets.forEach((b, i) => expect(b.value).toBe((cumulative += counts[i]!)));
    const count = value(text, 'superloops_loop_cycle_duration_seconds_count', { loop: 'Timed' });
    expect(count).toBe(loop.cycles);
    expect(buckets.at(-1)!.value).toBe(count);
    expect(value(text, 'superloops_loop_cycle_duration_seconds_sum', { loop: 'Timed' })).toBe(sumSeconds);
    expect(sumSeconds).toBeGreaterThan(0);
  });

  it('reads running loops at scrape time: up, running state, cycle age, and counts between two status() readings', async () => {
    const c = newController();
    const loop = c.newLoop(spec('Live', 'counts-cycles', { options: { sleepMs: 1 } }));
    await loop.start();
    await waitFor(() => loop.cycles >= 5 && loop.status().heapUsedBytes > 0, { what: 'Live to cycle and report its heap' });

    const before = loop.status();
    const text = await scrape(c);
    const after = loop.status();
    const cycles = value(text, 'superloops_loop_cycles_total', { loop: 'Live' });
    expect(cycles).toBeGreaterThanOrEqual(before.cycles);
    expect(cycles).toBeLessThanOrEqual(after.cycles);
    expect(value(text, 'superloops_loop_up', { loop: 'Live' })).toBe(1);
    expect(value(text, 'superloops_loop_state', { loop: 'Live', state: 'running' })).toBe(1);
    expect(value(text, 'superloops_loop_heap_used_bytes', { loop: 'Live' })).toBeGreaterThan(0);
    const age = value(text, 'superloops_loop_last_cycle_age_seconds', { loop: 'Live' });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
  });

  it('a worker that exits counts under kind="exit" and in restarts', async () => {
    const c = newController();
    const loop = c.newLoop(spec('Crashy', 'exits-in-early-generations', { resetGlobally: false, restartDelayMs: 10 }));
    const restarted = nextEvent<{ generation: number }>(loop, 'started', (e) => e.generation === 1);
    await loop.start();
    await restarted;
    await loop.stop();

    const text = await scrape(c);
    const status = c.status().loops[0]!;
    expectLoopMetricsEqual(text, status);
    expect(value(text, 'superloops_loop_failures_total', { loop: 'Crashy', kind: 'exit' })).toBe(1);
    expect(value(text, 'superloops_loop_restarts_total', { loop: 'Crashy' })).toBe(1);
    expect(value(text, 'superloops_loop_generation', { loop: 'Crashy' })).toBe(1);
  });

  it('reads each loop once per scrape, so one exposition describes one moment', async () => {
    const c = newController();
    const loop = c.newLoop(spec('Once', 'counts-cycles'));
    await loop.start();
    const metrics = createMetrics(c);
    const status = vi.spyOn(loop, 'status');
    const durations = vi.spyOn(loop, 'cycleDurations');
    await metrics.render();
    expect([status.mock.calls.length, durations.mock.calls.length]).toEqual([1, 1]);
    await metrics.render();
    expect([status.mock.calls.length, durations.mock.calls.length]).toEqual([2, 2]);
  });

  it('a removed loop disappears from every metric', async () => {
    const c = newController();
    c.newLoop(spec('Stays', 'counts-cycles'));
    c.newLoop(spec('Goes', 'counts-cycles'));
    await c.start();
    const metrics = createMetrics(c);
    expect(samples(await scrape(c, metrics), 'superloops_loop_up', { loop: 'Goes' })).toHaveLength(1);

    await c.removeLoop('Goes');
    const text = await scrape(c, metrics);
    expect(text.samples.filter((s) => s.labels.loop === 'Goes')).toEqual([]);
    expect(value(text, 'superloops_loop_up', { loop: 'Stays' })).toBe(1);
  });

  it('shows the green light off and a reset in progress during a global reset, and counts it after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inCallback!: () => void;
    const callbackRan = new Promise<void>((resolve) => (inCallback = resolve));
    const c = newController({
      resetCallback: () => {
        inCallback();
        return gate;
      },
    });
    c.newLoop(spec('Resets', 'counts-cycles'));
    await c.start();
    const metrics = createMetrics(c);

    const reset = c.reset();
    try {
      await callbackRan;
      const during = await scrape(c, metrics);
      expect(value(during, 'superloops_resetting')).toBe(1);
      expect(value(during, 'superloops_green_light')).toBe(0);
      expect(value(during, 'superloops_resets_total')).toBe(1);
      expect(value(during, 'superloops_loop_up', { loop: 'Resets' })).toBe(0);
    } finally {
      release();
      await reset;
    }
    const after = await scrape(c, metrics);
    expect(value(after, 'superloops_resetting')).toBe(0);
    expect(value(after, 'superloops_green_light')).toBe(1);
    expect(value(after, 'superloops_resets_total')).toBe(1);
    expect(value(after, 'superloops_loop_generation', { loop: 'Resets' })).toBe(1);
    expect(value(after, 'superloops_loop_up', { loop: 'Resets' })).toBe(1);
  });

  it('shows gave up once the controller gives up', async () => {
    const c = newController({ maxResets: 0 });
    c.newLoop(spec('Doomed', 'counts-cycles'));
    await c.start();
    await expect(c.reset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    const text = await scrape(c);
    expect(value(text, 'superloops_gave_up')).toBe(1);
    expect(value(text, 'superloops_green_light')).toBe(0);
    expect(value(text, 'superloops_loop_up', { loop: 'Doomed' })).toBe(0);
  });

  it('keeps the standard process_* and nodejs_* default metrics, event-loop lag included, and one registry per call', async () => {
    const a = createMetrics(newController());
    const b = createMetrics(newController());
    expect(a.registry).not.toBe(b.registry);
    const text = parsePromText(await a.render());
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text.types.has(name), name).toBe(true);
    }
    expect([...text.types.keys()].some((n) => n.startsWith('superloops_process') || n.startsWith('superloops_nodejs'))).toBe(false);
  });

  it('every superloops_ metric has a row in docs/metrics.md, and every documented one exists', async () => {
    const text = parsePromText(await createMetrics(newController()).render());
    const exposed = [...text.types.keys()].filter((n) => n.startsWith('superloops_')).sort();
    const docs = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    const documented = [...new Set([...docs.matchAll(/^\| `(superloops_[a-z_]+)`/gm)].map((m) => m[1]!))].sort();
    expect(documented).toEqual(exposed);
    for (const name of exposed) expect(docs).toContain(`| \`${name}\` | ${text.types.get(name)} |`);
  });
});
