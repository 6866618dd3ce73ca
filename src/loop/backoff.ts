/**
 * The delay before restarting a worker that died on its own. Pure.
 *
 * The first restart after a stable run is immediate (a single crash costs only
 * a worker spawn); consecutive crashes wait `baseMs`, then twice that, up to
 * `maxMs`, each with ±20% jitter so that loops that crashed together do not
 * restart in lockstep.
 *
 * @param attempt consecutive crashes so far, 1 for the first
 * @param random a number in [0, 1): Math.random in production, fixed in tests
 */
export function restartDelayMs(attempt: number, baseMs: number, maxMs: number, random: number): number {
  if (attempt <= 1) return 0;
  const exponential = Math.min(maxMs, baseMs * 2 ** (attempt - 2));
  const jitter = 1 + (random * 2 - 1) * 0.2;
  return Math.round(Math.min(maxMs, exponential * jitter));
}
