import { z } from 'zod';
import { describeValue } from './describe-value.js';

/**
 * The longest duration accepted. Node keeps timer delays in a signed 32-bit count
 * of milliseconds; a longer `setTimeout` fires after 1 ms with only a warning, which
 * would turn a long grace period into none at all.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** `250ms`, `5s`, `2m`, `1h`, `1.5s`, `.5s`, or a bare number of seconds (`5`). */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h)?$/;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The message for a value that is not a duration; `subject` is the value as shown to the user. */
export function notADuration(subject: string): string {
  return `${subject} is not a duration; write seconds as a number (5) or a string with a unit: 250ms, 5s, 2m, 1h`;
}

function tooLong(subject: string): string {
  return `${subject} is too long for a duration; the longest is ${MAX_DURATION_MS}ms (about 24 days), the most a Node.js timer can wait`;
}

/**
 * A manifest duration in milliseconds, rounded to the nearest millisecond (timers
 * have no finer resolution). Numbers are seconds, as in the Python seed's
 * `grace_period: 5`. Throws a plain Error whose message says what to write instead.
 */
export function parseDuration(value: unknown): number {
  const ms = toMilliseconds(value);
  if (ms === undefined) throw new Error(notADuration(describeValue(value)));
  if (ms > MAX_DURATION_MS) throw new Error(tooLong(describeValue(value)));
  return ms;
}

function toMilliseconds(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    ms = value * 1000;
  } else if (typeof value === 'string') {
    if (!DURATION_PATTERN.test(value)) return undefined;
    const unit = /[a-z]+$/.exec(value)?.[0] ?? 's';
    ms = Number.parseFloat(value) * UNIT_MS[unit]!;
  } else {
    return undefined;
  }
  // `+ 0` turns -0 (from `-0` seconds) into 0, so results compare equal.
  return Math.round(ms) + 0;
}

const error = (issue: { input?: unknown }): string => notADuration(describeValue(issue.input));

/**
 * A zod schema for a duration: accepts what `parseDuration` accepts and yields
 * milliseconds. Its input side is a number (≥ 0) or a string matching
 * DURATION_PATTERN, which is what the generated JSON Schema shows editors.
 */
export const duration = z
  .union([z.number({ error }).min(0, { error }), z.string({ error }).regex(DURATION_PATTERN, { error })], { error })
  .transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: value });
      return z.NEVER;
    }
  });
