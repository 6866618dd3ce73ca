import { describe, expect, it } from 'vitest';
import { isSuperloopsError } from 'superloops';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

const INVALID_ARGUMENT = /^SL_ERR_INVALID_ARGUMENT$/;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Start arguments and options a worker cannot take', () => {
  it('a start with a function argument rejects with a coded error; the loop is stopped, not stuck, and no generation is used up', async () => {
    const loop = newLoop({ name: 'Uncloneable', fixture: 'reports-lifecycle' });
    const err = await rejection(loop.start(() => 1));
    expect(isSuperloopsError(err)).toBe(true);
    expect((err as { code: string }).code).toMatch(INVALID_ARGUMENT);
    expect((err as Error).message).toContain('Uncloneable');
    expect((err as { cause?: { name: string } }).cause?.name).toBe('DataCloneError');
    expect(loop.state).toBe('stopped');
    expect(loop.isAlive).toBe(false);
    expect(loop.running).toBe(false);
    expect(loop.generation).toBe(-1);
    // The handle is usable: the next start, with arguments that clone, is generation 0, and a hard reset does not reuse the bad ones.
    expect(await loop.start('fine')).toEqual({ started: true, generation: 0 });
    expect(await loop.hardReset()).toEqual({ started: true, generation: 1 });
  });

  it('options that cannot be cloned reject the start the same way', async () => {
    const loop = newLoop({ name: 'BadOptions', fixture: 'counts-cycles', options: { callback: () => 1 } });
    const err = await rejection(loop.start());
    expect((err as { code: string }).code).toMatch(INVALID_ARGUMENT);
    expect(loop.state).toBe('stopped');
    expect(loop.isAlive).toBe(false);
    expect(loop.generation).toBe(-1);
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: false });
  });
});
