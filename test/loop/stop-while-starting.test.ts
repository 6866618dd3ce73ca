import { describe, expect, it } from 'vitest';
import { fixture, nextEvent, waitFor, within, type LogLine } from '../helpers.js';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

const GRACE_MS = 200;
/** What a stop may take past its grace period: terminate() and the 'exit' event, on a loaded machine. */
const BOUND_MS = 2000;

const logged = (msg: string, more: (l: LogLine) => boolean = () => true) => () => under.lines.some((l) => l.msg === msg && more(l));

describe('Stopping a loop whose generation is still starting', () => {
  it('stop() of a loop hung in onThreadStart resolves within the grace period, with the worker gone', async () => {
    const loop = newLoop({ name: 'Hung', fixture: 'hangs-in-thread-start', gracePeriodMs: GRACE_MS });
    const starting = loop.start();
    await waitFor(logged('hanging'), { what: 'onThreadStart to begin hanging' });
    expect(loop.state).toBe('starting');
    const stopped = await within(loop.stop(), GRACE_MS + BOUND_MS, 'stop()');
    expect(stopped).toEqual({ graceful: false, wasAlive: true });
    expect(await starting).toEqual({ started: false, generation: 0, reason: 'interrupted' });
    expect(loop.isAlive).toBe(false);
    expect(loop.running).toBe(false);
    expect(loop.state).toBe('stopped');
    expect(under.lines.some((l) => l.msg === 'Grace period over, terminating' && l.generation === 0)).toBe(true);
  });

  it('the grace period applies: a start that settles when asked to stop ends gracefully, running onStop', async () => {
    const loop = newLoop({ name: 'Settles', fixture: 'hangs-in-thread-start', gracePeriodMs: 10_000, options: { settleOnStop: true } });
    const starting = loop.start();
    await waitFor(logged('hanging'), { what: 'onThreadStart to begin hanging' });
    expect(await within(loop.stop(), BOUND_MS, 'stop()')).toEqual({ graceful: true, wasAlive: true }); // not the 10 s grace period
    expect((await starting).started).toBe(false);
    expect(loop.isAlive).toBe(false);
  });

  it('stop() of a loop whose module hangs in a top-level await resolves within the grace period', async () => {
    const loop = newLoop({ name: 'HungImport', fixture: 'hangs-on-import', gracePeriodMs: GRACE_MS });
    const starting = loop.start();
    await waitFor(logged('importing', (l) => l.stream === 'stdout'), { what: 'the import to begin' });
    expect(await within(loop.stop(), GRACE_MS + BOUND_MS, 'stop()')).toEqual({ graceful: false, wasAlive: true });
    expect((await starting).reason).toBe('interrupted');
    expect(loop.isAlive).toBe(false);
  });

  it('hardReset() of a loop hung in onThreadStart replaces the hung generation within the grace period', async () => {
    const loop = newLoop({ name: 'HungReset', fixture: 'hangs-in-thread-start', gracePeriodMs: GRACE_MS, options: { generations: 1 } });
    const starting = loop.start();
    await waitFor(logged('hanging'), { what: 'onThreadStart to begin hanging' });
    expect(await within(loop.hardReset(), GRACE_MS + BOUND_MS, 'hardReset()')).toEqual({ started: true, generation: 1 });
    expect((await starting).reason).toBe('interrupted');
    expect(loop.state).toBe('running');
    expect(under.controller.aliveLoops()).toEqual([loop]);
    expect(under.lines.filter((l) => l.msg === 'Terminated').map((l) => l.generation)).toEqual([0]);
  });

  it('a global reset of a loop hung in onThreadStart stops it within the grace period and starts the next generation', async () => {
    const loop = newLoop({ name: 'HungGlobal', fixture: 'hangs-in-thread-start', gracePeriodMs: GRACE_MS, options: { generations: 1 } });
    const starting = loop.start();
    await waitFor(logged('hanging'), { what: 'onThreadStart to begin hanging' });
    const result = await within(under.controller.reset(), GRACE_MS + BOUND_MS, 'the global reset');
    expect(result.restarted).toEqual(['HungGlobal']);
    expect((await starting).reason).toBe('interrupted');
    expect(loop.generation).toBe(1);
    expect(loop.state).toBe('running');
  });

  it('controller.stop() is not wedged by a loop hung in onThreadStart', async () => {
    const loop = newLoop({ name: 'HungController', fixture: 'hangs-in-thread-start', gracePeriodMs: GRACE_MS });
    const other = under.controller.newLoop({ name: 'Fine', module: fixture('counts-cycles') });
    const otherStarted = nextEvent(other, 'started');
    const starting = under.controller.start();
    await waitFor(logged('hanging'), { what: 'onThreadStart to begin hanging' });
    await otherStarted;
    await within(under.controller.stop(), GRACE_MS + BOUND_MS, 'controller.stop()');
    await starting;
    expect(under.controller.aliveLoops()).toEqual([]);
    expect(loop.isAlive).toBe(false);
  });
});
