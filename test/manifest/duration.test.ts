import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, MAX_DURATION_MS, duration, parseDuration } from '../../src/manifest/duration.js';

describe('parseDuration', () => {
  it.each([
    [5, 5000],
    [0, 0],
    [1.5, 1500],
    [0.25, 250],
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['5', 5000],
    ['0', 0],
    ['0ms', 0],
  ])('reads %j as %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('rounds to whole milliseconds and never yields -0', () => {
    expect(parseDuration('1.4ms')).toBe(1);
    expect(parseDuration(0.0016)).toBe(2);
    expect(Object.is(parseDuration(-0), 0)).toBe(true);
  });

  it('says what to write instead, quoting the value', () => {
    expect(() => parseDuration('5 minutes')).toThrow(
      '"5 minutes" is not a duration; write seconds as a number (5) or a string with a unit: 250ms, 5s, 2m, 1h',
    );
  });

  it.each([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '5S',
    '-5s',
    '5 s',
    ' 5s',
    '1e3',
    '2m30s',
    '5min',
    '1d',
    'ms',
    '.s',
    '5.',
    true,
    null,
    undefined,
    [],
    {},
  ])('rejects %j with a plain Error', (input) => {
    let caught: unknown;
    try {
      parseDuration(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).constructor).toBe(Error);
    expect((caught as Error).message).toMatch(/is not a duration; write seconds as a number \(5\)/);
  });

  it('rejects durations longer than a Node.js timer can wait', () => {
    expect(parseDuration(`${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
    expect(parseDuration('596h')).toBe(596 * 3_600_000);
    expect(() => parseDuration('597h')).toThrow(/"597h" is too long for a duration/);
    expect(() => parseDuration(1e9)).toThrow(/1000000000 is too long/);
  });

  it('reads every whole number of milliseconds and seconds in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(`${ms}ms`)).toBe(ms);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Math.floor(MAX_DURATION_MS / 1000) }), (seconds) => {
        expect(parseDuration(seconds)).toBe(seconds * 1000);
        expect(parseDuration(String(seconds))).toBe(seconds * 1000);
        expect(parseDuration(`${seconds}s`)).toBe(seconds * 1000);
      }),
    );
  });

  it('throws only plain Errors, and only for text the pattern rejects or that is too long', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        try {
          const ms = parseDuration(text);
          expect(DURATION_PATTERN.test(text)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        } catch (err) {
          expect((err as Error).constructor).toBe(Error);
          expect(DURATION_PATTERN.test(text) && parseFloat(text) >= 0 && !/too long/.test((err as Error).message)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('duration schema', () => {
  it('yields milliseconds', () => {
    expect(duration.parse('2m')).toBe(120_000);
    expect(duration.parse(5)).toBe(5000);
  });

  it('reports the parseDuration message as its issue, for every kind of bad input', () => {
    for (const input of ['5 minutes', -1, true, null, [1], '597h']) {
      const result = duration.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error!.issues).toHaveLength(1);
      expect(() => parseDuration(input)).toThrow(result.error!.issues[0]!.message);
    }
  });
});
