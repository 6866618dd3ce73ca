import { afterEach, describe, expect, it } from 'vitest';
import type { Loop } from 'superloops';
import { nextEvent, waitFor } from '../helpers.js';
import { aloneLoop } from './alone.js';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

let alone: Loop | undefined;

afterEach(async () => {
  await alone?.stop();
  alone = undefined;
});

/** Every lifecycle command queued on `loop` (the watchdog's hard reset among them) has run. */
const settled = (loop: Loop) => waitFor(() => !loop.busy, { what: "the loop's queued commands to run" });

const startedGenerations = (loop: Loop): number[] => {
  const seen: number[] = [];
  loop.on('started', ({ generation }) => seen.push(generation));
  return seen;
};

describe('The watchdog after the failure it records', () => {
  it('with stopOnFailure and maxLoopFailures 0, a trip stops the loop and it stays stopped', async () => {
    const loop = newLoop({
      name: 'WatchedStops',
      fixture: 'busy-forever',
      cycleTimeoutMs: 100,
      gracePeriodMs: 100,
      maxLoopFailures: 0,
      stopOnFailure: true,
      resetGlobally: false,
    });
    const started = startedGenerations(loop);
    const stopped = nextEvent<{ reason: string }>(loop, 'stopped');
    await loop.start();
    await nextEvent(loop, 'watchdog');
    expect((await stopped).reason).toBe('failure');
    await settled(loop);
    expect(loop.running).toBe(false);
    expect(loop.isAlive).toBe(false);
    expect(loop.state).toBe('stopped');
    expect(started).toEqual([0]);
  });

  it('one trip that exceeds the budget starts one global reset: the generation goes up by exactly one', async () => {
    const loop = newLoop({ name: 'WatchedResets', fixture: 'busy-forever', cycleTimeoutMs: 100, gracePeriodMs: 100, maxLoopFailures: 0, options: { spinGenerations: 1 } });
    const started = startedGenerations(loop);
    const reset = nextEvent(under.controller, 'resetCompleted');
    await loop.start();
    await nextEvent(loop, 'watchdog');
    await reset;
    await settled(loop);
    expect(loop.generation).toBe(1);
    expect(started).toEqual([0, 1]);
    expect(loop.state).toBe('running');
    expect(loop.failuresByKind.watchdog).toBe(1);
  });

  it('one trip of a loop handle alone hard-resets it once: the generation goes up by exactly one', async () => {
    const made = aloneLoop({
      name: 'WatchedAlone',
      fixture: 'raw-exits-in-first-generation.mjs',
      cycleTimeoutMs: 100,
      gracePeriodMs: 100,
      maxLoopFailures: 0,
      options: { spinFirst: true },
    });
    const loop = (alone = made.loop);
    const started = startedGenerations(loop);
    const exceeded = nextEvent(loop, 'thresholdExceeded');
    await loop.start();
    await nextEvent(loop, 'watchdog');
    await exceeded;
    await nextEvent(loop, 'started', (e: { generation: number }) => e.generation === 1);
    await settled(loop);
    expect(loop.generation).toBe(1);
    expect(started).toEqual([0, 1]);
    expect(loop.state).toBe('running');
    expect(made.lines.filter((l) => l.msg === 'Hard reset')).toHaveLength(1);
  });
});
