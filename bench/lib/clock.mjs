/**
 * The bench's one clock: process.hrtime, monotonic and shared by every thread
 * of a process, so stamps written by a worker (see bench/loops/stamp.ts and
 * bench/floors/first-message.mjs) compare with stamps taken here.
 */

/** Milliseconds on the process-wide monotonic clock, microsecond resolution. */
export function nowMs() {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
