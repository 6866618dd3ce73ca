import { afterEach, describe, expect, it } from 'vitest';
import type { Loop } from 'superloops';
import { nextEvent } from '../helpers.js';
import { aloneLoop } from './alone.js';

let loops: Loop[] = [];

function made(...args: Parameters<typeof aloneLoop>): ReturnType<typeof aloneLoop> {
  const result = aloneLoop(...args);
  loops.push(result.loop);
  return result;
}

afterEach(async () => {
  await Promise.all(loops.map((l) => l.stop()));
  loops = [];
});

describe('Log lines about a loop', () => {
  it('every line with `loop` has `thread` and `generation`, through start, failure, threshold, crash and restart, hard reset and a load error', async () => {
    const { loop, lines } = made({ name: 'Keys', fixture: 'raw-exits-in-first-generation.mjs', maxLoopFailures: 2 });
    loop.failure(); // before any generation: -1
    const crashed = nextEvent(loop, 'crashed');
    await loop.start();
    await crashed;
    await nextEvent(loop, 'started', (e: { generation: number }) => e.generation === 1);
    const exceeded = nextEvent(loop, 'thresholdExceeded');
    loop.failure();
    await exceeded;
    expect(await loop.hardReset()).toMatchObject({ started: true, generation: 2 });
    await loop.stop();

    const broken = made({ name: 'KeysBroken', fixture: 'raw-throws-on-import.mjs' });
    expect((await broken.loop.start()).reason).toBe('load-error');

    const all = [...lines, ...broken.lines];
    const at = (msg: string) => all.filter((l) => l.msg === msg);
    // The lines that were written with the loop's bare logger before.
    expect(at('Failure').map((l) => [l.thread, l.generation])).toEqual([
      ['Keys', -1],
      ['Keys_0', 0],
      ['Keys_1', 1],
    ]);
    expect(at('Exceeded maximum number of failures')).toMatchObject([{ thread: 'Keys_1', generation: 1 }]);
    expect(at('Restart scheduled')).toMatchObject([{ thread: 'Keys_0', generation: 0 }]); // the generation that died
    expect(at('Hard reset')).toMatchObject([{ thread: 'Keys_1', generation: 1, force: false }]);
    expect(at('Loop module failed to load')).toMatchObject([{ loop: 'KeysBroken', thread: 'KeysBroken_0', generation: 0 }]);
    const withLoop = all.filter((l) => l.loop !== undefined);
    expect(withLoop.length).toBeGreaterThan(10);
    for (const line of withLoop) {
      expect(line, line.msg).toHaveProperty('thread');
      expect(line, line.msg).toHaveProperty('generation');
    }
  });

  it("a global reset's resetId is on that loop's Stopping, Exited gracefully and next Started lines, not on the generation's later lines", async () => {
    const { loop, lines } = made({ name: 'Reset', fixture: 'raw-exits-in-first-generation.mjs', restart: 'never' });
    // Generation 0 exits on its own; start from generation 1, which cycles until stopped.
    const crashed = nextEvent(loop, 'crashed');
    await loop.start();
    await crashed;
    expect(await loop.start()).toMatchObject({ started: true, generation: 1 });

    let stoppedCalled = false;
    const result = await loop.resetWith(() => (stoppedCalled = true), Promise.resolve(), 'r-42');
    expect(stoppedCalled).toBe(true);
    expect(result).toEqual({ started: true, generation: 2 });
    loop.failure();
    await loop.stop();

    const find = (msg: string, generation: number) => lines.filter((l) => l.msg === msg && l.generation === generation);
    expect(find('Stopping', 1)).toMatchObject([{ resetId: 'r-42', reason: 'reset' }]);
    expect(find('Exited gracefully', 1)).toMatchObject([{ resetId: 'r-42' }]);
    expect(find('Started', 2)).toMatchObject([{ resetId: 'r-42' }]);
    // Not on the lines before the reset, nor on the new generation's later lines.
    expect(find('Started', 1)[0]).not.toHaveProperty('resetId');
    expect(find('Failure', 2)[0]).not.toHaveProperty('resetId');
    expect(find('Stopping', 2)[0]).not.toHaveProperty('resetId');
    expect(find('Exited gracefully', 2)[0]).not.toHaveProperty('resetId');
  });
});
