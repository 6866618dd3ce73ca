import { SuperLoop } from 'superloops';
import { Random } from '../lib/prng.mjs';

/**
 * The faults the chaos soak injects, and what the supervisor must make of each
 * (test/chaos/lib/faults.mjs holds the same table for the checker):
 *
 * | fault                 | what this loop does                               | expected in the daemon            |
 * |-----------------------|---------------------------------------------------|-----------------------------------|
 * | throw                 | throws from cycle()                               | failure kind cycle-error          |
 * | failure               | calls this.failure()                              | failure kind reported             |
 * | exit                  | process.exit(3) inside the worker                 | failure kind exit, a restart      |
 * | oom                   | allocates past memory_limit_mb                    | failure kind oom, a restart       |
 * | spin                  | while (true) {} past cycle_timeout                | failure kind watchdog, hard reset |
 * | hang                  | awaits a promise that never settles               | failure kind watchdog, hard reset |
 * | unhandled-rejection   | rejects a promise nobody handles                  | failure kind crash, a restart     |
 * | ignore-stop           | from now on, onStop never returns                 | a stop ends in "Terminated"       |
 * | log-burst             | logs N lines at once, then a closing line         | all N lines reach the log         |
 * | thread-start          | onThreadStart throws                              | failure kind thread-start         |
 *
 * Every fault is logged as `{ fault, seq, epoch }` BEFORE it is injected: the
 * soak counts those lines and checks each against the daemon's own lines and
 * counters. The schedule is a pure function of (seed, index, epoch,
 * generation) and the cycle count, so a seed replays the same faults per
 * generation (the interleaving between threads is the OS's).
 */
export type CycleFault = 'throw' | 'failure' | 'exit' | 'oom' | 'spin' | 'hang' | 'unhandled-rejection' | 'ignore-stop' | 'log-burst';

export interface ChaoticOptions {
  seed: number;
  /** The loop's index in the soak: its own stream of faults. */
  index: number;
  /** Bumped by the soak each time a reload changes this loop: a new Loop, a new stream. */
  epoch: number;
  /** Pause inside each cycle. */
  cycleMs: number;
  /** Mean time between two faults of one generation (exponential gaps, counted in cycles). */
  meanFaultMs: number;
  /** Relative weights of the cycle faults; missing kinds are never injected. */
  weights: Partial<Record<CycleFault, number>>;
  /** Chance that a generation's onThreadStart throws. */
  threadStartFaultRate: number;
  /** Lines in a log burst: [min, max]. */
  burstLines: [number, number];
}

/** Folds several integers into one 32-bit seed (FNV-1a over the words, then a final avalanche). */
function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

export default class Chaotic extends SuperLoop<ChaoticOptions> {
  readonly #random = new Random(mix(this.options.seed, this.options.index, this.options.epoch, this.generation));
  #cycles = 0;
  #nextFaultAt = 0;
  #seq = 0;
  /** Armed by the ignore-stop fault: onStop never returns, so only terminate() ends this generation. */
  #stubborn = false;
  readonly #totalWeight = Object.values(this.options.weights).reduce<number>((sum, w) => sum + Math.max(0, w ?? 0), 0);

  override onStart(): void {
    // Lets the soak tell this Loop (epoch) from the one a reload replaced, whose generations had the same numbers.
    this.logger.info({ hello: this.options.index, epoch: this.options.epoch }, 'chaos loop starting');
    this.#nextFaultAt = this.#gap();
  }

  override onThreadStart(): void {
    if (this.#random.next() < this.options.threadStartFaultRate) {
      this.#log('thread-start');
      throw new Error('chaos: onThreadStart threw');
    }
  }

  async cycle(): Promise<void> {
    await this.sleep(this.options.cycleMs);
    if (++this.#cycles < this.#nextFaultAt || this.#totalWeight === 0) return;
    this.#nextFaultAt = this.#cycles + this.#gap();
    const kind = this.#random.weighted(this.options.weights) as CycleFault;
    this.#log(kind);
    switch (kind) {
      case 'throw':
        throw new Error('chaos: thrown in cycle');
      case 'failure':
        this.failure();
        return;
      case 'exit':
        process.exit(3);
      // falls through (never reached: process.exit ends the worker)
      case 'oom': {
        // 1 MiB per array; the worker's heap limit ends it within a few dozen.
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array<number>(131_072).fill(hoard.length));
      }
      // falls through (never reached)
      case 'spin':
        // eslint-disable-next-line no-constant-condition
        for (;;) {}
      // falls through (never reached)
      case 'hang':
        await new Promise(() => {});
        return;
      case 'unhandled-rejection':
        void Promise.reject(new Error('chaos: rejected without a handler'));
        return;
      case 'ignore-stop':
        this.#stubborn = true;
        return;
      case 'log-burst': {
        const [min, max] = this.options.burstLines;
        const lines = min + Math.floor(this.#random.next() * (max - min + 1));
        for (let i = 0; i < lines; i++) this.logger.info({ burst: this.#seq, i }, 'burst line');
        this.logger.info({ burstEnd: this.#seq, lines }, 'burst end');
        return;
      }
    }
  }

  override async onStop(): Promise<void> {
    if (this.#stubborn) await new Promise(() => {});
  }

  #log(kind: CycleFault | 'thread-start'): void {
    this.#seq++;
    this.logger.info({ fault: kind, seq: this.#seq, epoch: this.options.epoch }, 'fault');
  }

  /** Cycles until the next fault: geometric, with mean meanFaultMs / cycleMs. */
  #gap(): number {
    const meanCycles = Math.max(1, this.options.meanFaultMs / Math.max(1, this.options.cycleMs));
    return 1 + Math.floor(this.#random.exponential(meanCycles));
  }
}
