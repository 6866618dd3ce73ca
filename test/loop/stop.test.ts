import { afterEach, describe, expect, it } from 'vitest';
import { LoopController, type LoopSpec } from 'superloops';
import { captureLogger, fixture, type LogLine } from '../helpers.js';

let controller: LoopController | undefined;
let lines: LogLine[] = [];

function newLoop(spec: Omit<LoopSpec, 'module'> & { fixture: string }) {
  const captured = captureLogger();
  lines = captured.lines;
  controller = new LoopController({ logger: captured.logger });
  const { fixture: name, ...rest } = spec;
  return controller.newLoop({ ...rest, module: fixture(name) });
}

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
});

describe('A requested stop', () => {
  it('a loop that calls this.stop() while a stop is under way still exits gracefully', async () => {
    const loop = newLoop({ name: 'AlsoStops', fixture: 'stops-itself-on-stop', gracePeriodMs: 10_000 });
    await loop.start();
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: true });
    expect(lines.filter((l) => l.msg === 'Exited gracefully' && l.generation === 0)).toMatchObject([{ graceful: true }]);
    expect(lines.some((l) => l.msg === 'Terminated')).toBe(false);
    expect(loop.state).toBe('stopped');
  });
});
