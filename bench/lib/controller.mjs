/**
 * A LoopController from the built library (dist/index.js), set up for the
 * bench: its log lines are written, as a daemon's are, but to /dev/null; its
 * compiled modules go to the bench's temp directory; it never gives up on
 * resets (the reset scenario runs many).
 */
import path from 'node:path';
import { pino } from 'pino';
import { LIBRARY } from './paths.mjs';
import { waitFor } from './wait-for.mjs';

/** @param {string} dir @param {object} [options] more ControllerOptions */
export async function newController(dir, options = {}) {
  const { LoopController } = await import(LIBRARY);
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
  return new LoopController({
    logger,
    maxResets: 1_000_000,
    resetWindowMs: 60_000,
    cacheDir: path.join(dir, 'cache'),
    ...options,
  });
}

/** Reads the stamps a bench loop writes (bench/loops/stamp.ts). @param {SharedArrayBuffer} sab */
export function stampsOf(sab) {
  const view = new Float64Array(sab);
  return { firstCycleAt: view[0], generation: view[1], crashAt: view[2] };
}

/** Resolves with the stamps once generation `generation` has stamped its first cycle. @param {SharedArrayBuffer} sab */
export function firstCycleOf(sab, generation, what) {
  return waitFor(
    () => {
      const s = stampsOf(sab);
      return s.generation === generation && s;
    },
    { timeoutMs: 10_000, what },
  );
}

/** A fresh stamps buffer, every slot NaN until written. */
export function newStamps() {
  const sab = new SharedArrayBuffer(8 * 3);
  new Float64Array(sab).fill(Number.NaN);
  return sab;
}
