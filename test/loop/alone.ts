import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Loop, type LoopSpec } from 'superloops';
import type { LoopDeps } from '../../src/loop/loop.js';
import { captureLogger, fixturesDir, type LogLine } from '../helpers.js';

/**
 * A compiler that compiles nothing: it hands the worker the module's own file.
 * For plain .mjs fixtures (which import 'superloops/loop', as Node resolves it),
 * so a test can drive a Loop handle with no controller around it.
 */
const rawCompiler = { compile: async (module: string | URL) => pathToFileURL(String(module)).href } as unknown as LoopDeps['compiler'];

/** A Loop handle alone (no controller: nobody answers its thresholdExceeded), its logger's lines, and a stop for afterEach. */
export function aloneLoop(spec: Omit<LoopSpec, 'module'> & { fixture: string }): { loop: Loop; lines: LogLine[] } {
  const { logger, lines } = captureLogger();
  const { fixture, ...rest } = spec;
  const loop = new Loop({ ...rest, module: path.join(fixturesDir, fixture) }, { logger, compiler: rawCompiler });
  return { loop, lines };
}
