import { describe, expect, it } from 'vitest';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

describe('A requested stop', () => {
  it('a loop that calls this.stop() while a stop is under way still exits gracefully', async () => {
    const loop = newLoop({ name: 'AlsoStops', fixture: 'stops-itself-on-stop', gracePeriodMs: 10_000 });
    await loop.start();
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: true });
    expect(under.lines.filter((l) => l.msg === 'Exited gracefully' && l.generation === 0)).toMatchObject([{ graceful: true }]);
    expect(under.lines.some((l) => l.msg === 'Terminated')).toBe(false);
    expect(loop.state).toBe('stopped');
  });
});
