import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isSuperloopsError } from '../../src/errors.js';
import { defaultLoopOptions } from '../../src/loop/options.js';
import { parseDuration } from '../../src/manifest/duration.js';
import { manifestJsonSchema } from '../../src/manifest/json-schema.js';
import { type Manifest, type Problem, parseManifest } from '../../src/manifest/load.js';
import { knownKeys } from '../../src/manifest/schema.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'superloops-fuzz-'));
mkdirSync(path.join(dir, 'loops'));
for (const name of ['a.ts', 'b.mjs']) writeFileSync(path.join(dir, 'loops', name), '');
const file = path.join(dir, 'superloops.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Distinctive values, so finding one in a message can only mean it leaked.
const env: NodeJS.ProcessEnv = {
  SECRET_TEXT: 'Zq9-secret-text',
  SECRET_NUMBER: '4242424242',
  SECRET_DURATION: '7s',
  SECRET_FLAG: 'true',
  EMPTY: '',
};
const leakable = ['Zq9-secret-text', '4242424242'];

/** parseManifest either returns, or throws CONFIG_INVALID with well-formed problems that show no secret. */
function parseOrProblems(text: string): Manifest | Problem[] {
  try {
    return parseManifest(text, file, env);
  } catch (err) {
    if (!isSuperloopsError(err, ErrorCodes.CONFIG_INVALID)) throw err;
    const problems = err.details!.problems as Problem[];
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(Number.isInteger(problem.line) && problem.line >= 1).toBe(true);
      expect(Number.isInteger(problem.column) && problem.column >= 1).toBe(true);
      expect(typeof problem.path).toBe('string');
      expect(problem.message.length).toBeGreaterThan(0);
      expect(problem.message).not.toMatch(/Invalid input|\[redacted\]/);
    }
    expect(err.message.split('\n')).toHaveLength(problems.length + 1);
    const shown = `${err.message}${JSON.stringify(err.details)}`;
    for (const secret of leakable) expect(shown).not.toContain(secret);
    return problems;
  }
}

const yamlish = fc.string({
  unit: fc.constantFrom(...'ab:- \n\t[]{},#&*!|>\'"%@`?$.0159'.split(''), 'loops', 'name', 'module', '${SECRET_TEXT}', '\n  - '),
  maxLength: 120,
});

const keys = [
  ...knownKeys([]),
  ...knownKeys(['controller']),
  ...knownKeys(['controller', 'http']),
  ...knownKeys(['loops', 0]),
  'grace_perod',
  'gracePeriod',
  'nam',
  'extra',
];

const scalar = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '5s', '250ms', '1h', '5 minutes', 'always', 'on-failure', 'info', '', 'A', 'B', '9x',
    './loops/a.ts', 'loops/b.mjs', './loops/missing.ts', 'a.py',
    '${SECRET_TEXT}', '${SECRET_NUMBER}', '${SECRET_DURATION}', '${SECRET_FLAG}', '${EMPTY}', '${UNSET_VAR}',
    'x-${SECRET_TEXT}-y', '$${LITERAL}', '${', '${bad name}',
  ),
  fc.string({ maxLength: 8 }),
);

const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('any'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...keys), tie('any'), { maxKeys: 4 }),
  ),
})).any;

const nearLoop = fc.dictionary(fc.constantFrom(...knownKeys(['loops', 0]), 'grace_perod', 'extra'), value, { maxKeys: 6 });
const nearManifest = fc.record(
  {
    controller: fc.oneof(value, fc.dictionary(fc.constantFrom(...knownKeys(['controller']), 'maxResets'), value, { maxKeys: 4 })),
    defaults: fc.oneof(value, fc.dictionary(fc.constantFrom(...knownKeys(['defaults']), 'name'), value, { maxKeys: 4 })),
    loops: fc.oneof(value, fc.array(fc.oneof(nearLoop, value), { maxLength: 4 })),
    extra: value,
  },
  { requiredKeys: [] },
);

// Valid manifests: every key optional, every value within the schema.
const durationValue = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }),
  fc.double({ min: 0, max: 1000, noNaN: true }),
  fc.integer({ min: 0, max: 1_000_000 }).map((ms) => `${ms}ms`),
  fc.integer({ min: 0, max: 500 }).map((h) => `${h}h`),
  fc.constantFrom('1.5s', '.5s', '2m', '${SECRET_DURATION}'),
);
const safeText = fc.string({ maxLength: 10 }).map((text) => text.replaceAll('$', '€'));
const options = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    safeText,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('${SECRET_TEXT}', 'Bearer ${SECRET_TEXT}', '${SECRET_NUMBER}', '$${NOT_ENV}'),
    fc.array(tie('any'), { maxLength: 3 }),
    fc.dictionary(safeText, tie('any'), { maxKeys: 3 }),
  ),
})).any;
const settings = {
  grace_period: durationValue,
  max_loop_failures: fc.nat(1000),
  failure_window: fc.option(durationValue),
  stop_on_failure: fc.boolean(),
  reset_globally: fc.boolean(),
  cycle_timeout: fc.option(durationValue),
  memory_limit_mb: fc.option(fc.integer({ min: 8, max: 4096 })),
  restart: fc.constantFrom('always', 'on-failure', 'never'),
  restart_delay: durationValue,
  max_restart_delay: durationValue,
  stable_after: durationValue,
  autostart: fc.boolean(),
};
const validLoop = fc.record(
  {
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/),
    module: fc.constantFrom('./loops/a.ts', 'loops/b.mjs', path.join(dir, 'loops', 'a.ts')),
    options,
    ...settings,
  },
  { requiredKeys: ['name', 'module'] },
);
const validManifest = fc.record(
  {
    controller: fc.record(
      {
        socket: fc.constantFrom('./ctl.sock', '/tmp/superloops-fuzz.sock'),
        max_resets: fc.nat(100),
        reset_window: durationValue,
        shutdown_timeout: durationValue,
        reset_callback: fc.constant('./loops/a.ts'),
        reset_callback_timeout: durationValue,
        log_level: fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
        http: fc.record({ host: fc.constantFrom('127.0.0.1', '::1'), port: fc.integer({ min: 0, max: 65535 }) }, { requiredKeys: ['port'] }),
      },
      { requiredKeys: [] },
    ),
    defaults: fc.record(settings, { requiredKeys: [] }),
    loops: fc.uniqueArray(validLoop, { minLength: 1, maxLength: 4, selector: (loop) => loop.name }),
  },
  { requiredKeys: ['loops'] },
);

/** What the loader must make of a loop's settings (its own over `defaults:`), by the documented defaults. */
function expectedSettings(merged: Partial<Record<keyof typeof settings, unknown>>): Record<string, unknown> {
  const ms = (value: unknown, otherwise: number | undefined): number | undefined =>
    value === undefined || value === null ? otherwise : parseDuration(typeof value === 'string' ? value.replace('${SECRET_DURATION}', '7s') : (value as number));
  const d = defaultLoopOptions;
  return {
    gracePeriodMs: ms(merged.grace_period, d.gracePeriodMs),
    maxLoopFailures: merged.max_loop_failures ?? d.maxLoopFailures,
    failureWindowMs: ms(merged.failure_window, undefined),
    stopOnFailure: merged.stop_on_failure ?? d.stopOnFailure,
    resetGlobally: merged.reset_globally ?? d.resetGlobally,
    cycleTimeoutMs: ms(merged.cycle_timeout, undefined),
    memoryLimitMb: merged.memory_limit_mb ?? undefined,
    restart: merged.restart ?? d.restart,
    restartDelayMs: ms(merged.restart_delay, d.restartDelayMs),
    maxRestartDelayMs: ms(merged.max_restart_delay, d.maxRestartDelayMs),
    stableAfterMs: ms(merged.stable_after, d.stableAfterMs),
    autostart: merged.autostart ?? true,
  };
}

const editorSchema = z.fromJSONSchema(manifestJsonSchema() as Parameters<typeof z.fromJSONSchema>[0]);

describe('parseManifest under random input', () => {
  it('never throws anything but CONFIG_INVALID for random YAML-like text', () => {
    fc.assert(fc.property(yamlish, (text) => void parseOrProblems(text)), { numRuns: 300 });
  });

  it('never throws anything but CONFIG_INVALID for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => void parseOrProblems(text)), {
      numRuns: 200,
    });
  });

  it('reports problems, with places and without secrets, for structures near the schema', () => {
    fc.assert(fc.property(nearManifest, (doc) => void parseOrProblems(stringify(doc))), { numRuns: 300 });
  });

  it('accepts valid manifests, loads each setting as written or defaulted, and reads the same from JSON', () => {
    fc.assert(
      fc.property(validManifest, (doc) => {
        const text = stringify(doc);
        const first = parseOrProblems(text);
        if (Array.isArray(first)) throw new Error(`rejected a valid manifest:\n${text}\n${JSON.stringify(first, null, 2)}`);
        // The same document as JSON (flow style, every string quoted) loads to the same manifest.
        // (All but where the module paths are written: the JSON text is laid out otherwise.)
        const { at: _jsonLines, ...again } = parseManifest(JSON.stringify(parse(text)), file, env);
        const { at, ...rest } = first;
        expect(again).toEqual(rest);
        expect(Object.keys(at.loopModules)).toEqual(doc.loops.map((loop) => loop.name));

        expect(first.loops.map((loop) => loop.name)).toEqual(doc.loops.map((loop) => loop.name));
        doc.loops.forEach((loop, index) => {
          const grace = loop.grace_period ?? doc.defaults?.grace_period ?? 5;
          const expected = typeof grace === 'string' ? grace.replace('${SECRET_DURATION}', '7s') : grace;
          expect(first.loops[index]!.gracePeriodMs).toBe(parseDuration(expected));
          expect(first.loops[index]!.maxLoopFailures).toBe(loop.max_loop_failures ?? doc.defaults?.max_loop_failures ?? 10);
          expect(first.loops[index]!.module).toBe(path.resolve(dir, loop.module));
          expect(first.loops[index]).toMatchObject(expectedSettings({ ...doc.defaults, ...loop }));
        });
        // What the loader accepts, the editor's schema accepts too.
        expect(editorSchema.safeParse(parse(text)).success).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
