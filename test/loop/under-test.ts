import { afterEach } from 'vitest';
import { LoopController, type Loop, type LoopSpec } from 'superloops';
import { captureLogger, fixture, type LogLine } from '../helpers.js';

/**
 * Each test's loop under a controller of its own, with that controller's log
 * lines kept; every worker is stopped after each test. Call once per file.
 */
export function loopsUnderTest(): {
  newLoop(spec: Omit<LoopSpec, 'module'> & { fixture: string }): Loop;
  readonly lines: LogLine[];
  readonly controller: LoopController;
} {
  let controller: LoopController | undefined;
  let lines: LogLine[] = [];
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });
  return {
    newLoop(spec) {
      const captured = captureLogger();
      lines = captured.lines;
      controller = new LoopController({ logger: captured.logger });
      const { fixture: name, ...rest } = spec;
      return controller.newLoop({ ...rest, module: fixture(name) });
    },
    get lines() {
      return lines;
    },
    get controller() {
      if (controller === undefined) throw new Error('no loop made yet in this test: call newLoop first');
      return controller;
    },
  };
}
