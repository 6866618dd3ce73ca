import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopController } from 'superloops';
import { captureLogger, fixture, fixturesDir, waitFor, type LogLine } from '../helpers.js';

let controller: LoopController | undefined;
let lines: LogLine[] = [];

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
});

function newController(): LoopController {
  const captured = captureLogger();
  lines = captured.lines;
  return (controller = new LoopController({ logger: captured.logger }));
}

describe('Loop modules in every supported format', () => {
  it.each([
    ['.mjs', 'counts-cycles-esm.mjs'],
    ['.js', 'counts-cycles-plain.js'],
    ['.mts', 'counts-cycles-typed.mts'],
  ])('a %s module loads and cycles in a real worker', async (ext, file) => {
    const loop = newController().newLoop({ name: 'Format', module: path.join(fixturesDir, file) });
    expect(await loop.start()).toEqual({ started: true, generation: 0 });
    await waitFor(() => loop.cycles >= 3, { what: 'three cycles' });
    expect(lines.find((l) => l.msg === 'loaded')).toMatchObject({ ext, thread: 'Format_0', generation: 0 });
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: true });
  });
});

describe('Load errors', () => {
  it("a module that throws on import fails to load with a message that names the file", async () => {
    const loop = newController().newLoop({ name: 'Broken', module: fixture('throws-on-import') });
    const result = await loop.start();
    expect(result).toMatchObject({ started: false, reason: 'load-error' });
    expect(result.error?.message).toContain(fixture('throws-on-import'));
    expect(result.error?.message).toContain('this module cannot be imported');
    expect(lines.find((l) => l.msg === 'Loop module failed to load')?.err).toMatchObject({ message: result.error?.message });
  });
});
