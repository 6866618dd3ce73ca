/**
 * Timestamps a loop shares with the bench through a SharedArrayBuffer passed in
 * its options (structured clone shares the memory; no message is needed). The
 * clock is process.hrtime, one monotonic clock for every thread of the process,
 * so a stamp written here compares with one taken on the bench's main thread.
 */

/** Milliseconds on the process-wide monotonic clock, microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** Slots of the stamps buffer (Float64Array). */
export const FIRST_CYCLE_AT = 0;
export const FIRST_CYCLE_GENERATION = 1;
export const CRASH_AT = 2;

export interface StampOptions {
  stamps?: SharedArrayBuffer;
  sleepMs?: number;
}

/** Writes the first-cycle stamp of this generation, once. */
export function stampFirstCycle(options: StampOptions | undefined, generation: number): void {
  if (!options?.stamps) return;
  const view = new Float64Array(options.stamps);
  view[FIRST_CYCLE_AT] = nowMs();
  view[FIRST_CYCLE_GENERATION] = generation;
}
