import { describe, expect, it } from 'vitest';
import type { Loop } from 'superloops';
import { nextEvent, waitFor } from '../helpers.js';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

describe('Crashes and the restart policy', () => {
  it('an unhandled rejection outside cycle ends the worker, counts as crash, and the loop restarts', async () => {
    const loop = newLoop({ name: 'Rejects', fixture: 'rejects-outside-cycle', maxLoopFailures: 100 });
    const crashed = nextEvent<{ kind: string; error: { message: string }; generation: number }>(loop, 'crashed');
    await loop.start();
    expect(await crashed).toMatchObject({ kind: 'crash', generation: 0, error: { message: 'rejected outside cycle' } });
    await nextEvent(loop, 'started', (e: { generation: number }) => e.generation === 1);
    expect(loop.failuresByKind.crash).toBeGreaterThanOrEqual(1);
    expect(loop.restarts).toBeGreaterThanOrEqual(1);
  });

  it("restart: 'on-failure' does not restart after process.exit(0): the loop is stopped", async () => {
    const loop = newLoop({ name: 'CleanExit', fixture: 'exits-with-code', restart: 'on-failure', options: { code: 0 } });
    let scheduled = 0;
    loop.on('restartScheduled', () => scheduled++);
    const crashed = nextEvent<{ kind: string; exitCode: number }>(loop, 'crashed');
    await loop.start();
    expect(await crashed).toMatchObject({ kind: 'exit', exitCode: 0 });
    // The decision is taken in the same turn as the 'crashed' event.
    expect(loop.state).toBe('stopped');
    expect(loop.running).toBe(false);
    expect(loop.isAlive).toBe(false);
    expect(scheduled).toBe(0);
    expect(loop.generation).toBe(0);
  });

  it("restart: 'on-failure' restarts after process.exit(1)", async () => {
    const loop = newLoop({ name: 'FailedExit', fixture: 'exits-with-code', restart: 'on-failure', maxLoopFailures: 100, options: { code: 1 } });
    const crashed = nextEvent<{ kind: string; exitCode: number }>(loop, 'crashed');
    const scheduled = nextEvent(loop, 'restartScheduled');
    await loop.start();
    expect(await crashed).toMatchObject({ kind: 'exit', exitCode: 1 });
    await scheduled;
    await nextEvent(loop, 'started', (e: { generation: number }) => e.generation === 1);
    await waitFor(() => loop.state === 'running', { what: 'the restarted loop to run' });
    expect(loop.restarts).toBe(1);
  });
});
