import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_WEIGHTS } from './faults.mjs';
import { Random } from './prng.mjs';

const loopsDir = fileURLToPath(new URL('../loops/', import.meta.url));
export const CHAOTIC = `${loopsDir}chaotic.ts`;
const CALM = `${loopsDir}calm.ts`;
const ON_RESET = `${loopsDir}on-reset.ts`;

/** Names of the two loops that are not chaotic: `calm` (changed by every reload) and `spare` (added and removed by reloads). */
export const CALM_NAME = 'calm';
export const SPARE_NAME = 'spare';

/**
 * The manifest of the soak, drawn from the seed, and its later versions: a
 * reload bumps the `epoch` of the loops it changes (and may redraw their
 * settings), always changes `calm`, and adds or removes `spare`.
 */
export class Plan {
  constructor({ seed, loops, file, socket }) {
    this.file = file;
    this.socket = socket;
    this.seed = seed;
    this.random = new Random(seed ^ 0x5eed);
    this.chaos = [];
    for (let index = 0; index < loops; index++) {
      this.chaos.push({ name: `chaos-${String(index).padStart(2, '0')}`, index, epoch: 0, ...this.#settings() });
    }
    this.calm = { epoch: 0, stopDelayMs: this.random.int(150, 400) };
    this.spare = true;
    this.spareEpoch = 0;
    this.maxLoops = loops + 2;
    this.shutdownTimeoutMs = 20_000;
  }

  /** The longest grace period of any loop now (calm's is 2 s). */
  get maxGraceMs() {
    return Math.max(...this.chaos.map((l) => l.grace), 2000);
  }

  get chaosNames() {
    return this.chaos.map((l) => l.name);
  }

  /** Names of every loop in the current version. */
  get names() {
    return [...this.chaosNames, CALM_NAME, ...(this.spare ? [SPARE_NAME] : [])];
  }

  /** The next version: `names` (chaos loops) get a new epoch and maybe new settings; calm changes; spare flips with `flipSpare`. */
  change(names, { flipSpare }) {
    for (const loop of this.chaos) {
      if (!names.includes(loop.name)) continue;
      loop.epoch++;
      if (this.random.chance(0.5)) Object.assign(loop, this.#settings());
    }
    this.calm.epoch++;
    if (flipSpare) this.spare = !this.spare;
    if (flipSpare && this.spare) this.spareEpoch++;
  }

  write() {
    writeFileSync(this.file, `# chaos soak manifest, seed ${this.seed}\n${stringify(this.#document())}`);
  }

  #settings() {
    const r = this.random;
    return {
      cycleMs: r.int(15, 60),
      meanFaultMs: r.int(4000, 9000),
      grace: r.int(200, 1500),
      cycleTimeout: r.int(600, 1500),
      memoryLimitMb: r.int(16, 32),
      maxLoopFailures: r.int(5, 12),
      failureWindow: r.chance(0.7) ? `${r.int(20, 60)}s` : null,
      resetGlobally: r.chance(0.75),
      restart: r.chance(0.1) ? 'never' : 'always',
      restartDelayMs: r.int(50, 200),
      maxRestartDelayMs: r.int(1000, 3000),
      stableAfterMs: r.int(5000, 20_000),
    };
  }

  #document() {
    const loops = this.chaos.map((l) => ({
      name: l.name,
      module: CHAOTIC,
      options: {
        seed: this.seed,
        index: l.index,
        epoch: l.epoch,
        cycleMs: l.cycleMs,
        meanFaultMs: l.meanFaultMs,
        weights: DEFAULT_WEIGHTS,
        threadStartFaultRate: 0.03,
        burstLines: [50, 800],
      },
      grace_period: `${l.grace}ms`,
      cycle_timeout: `${l.cycleTimeout}ms`,
      memory_limit_mb: l.memoryLimitMb,
      max_loop_failures: l.maxLoopFailures,
      failure_window: l.failureWindow,
      reset_globally: l.resetGlobally,
      restart: l.restart,
      restart_delay: `${l.restartDelayMs}ms`,
      max_restart_delay: `${l.maxRestartDelayMs}ms`,
      stable_after: `${l.stableAfterMs}ms`,
    }));
    loops.push({ name: CALM_NAME, module: CALM, options: { epoch: this.calm.epoch, cycleMs: 50, stopDelayMs: this.calm.stopDelayMs }, grace_period: '2s' });
    if (this.spare) loops.push({ name: SPARE_NAME, module: CALM, options: { epoch: this.spareEpoch, cycleMs: 30, stopDelayMs: 50 }, grace_period: '1s' });
    return {
      controller: {
        socket: this.socket,
        // Giving up would end the soak: allow a reset every few seconds for as long as it runs.
        max_resets: 1000,
        reset_window: '60s',
        shutdown_timeout: `${this.shutdownTimeoutMs}ms`,
        reset_callback: ON_RESET,
        reset_callback_timeout: '5s',
        log_level: 'debug',
        http: { host: '127.0.0.1', port: 0 },
      },
      loops,
    };
  }
}
