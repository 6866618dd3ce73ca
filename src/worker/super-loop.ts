import type { LoopLogger } from './loop-logger.js';

/**
 * What the runner hands a loop when it constructs it. The runner sets it in a
 * global slot just before `new`, because the user's class may come from a
 * different copy of this module than the runner's own (one bundled into the
 * user's code, one in dist/): the slot and the brand below are found by
 * `Symbol.for`, so both copies agree.
 */
export interface LoopContext {
  name: string;
  generation: number;
  threadName: string;
  options: unknown;
  logger: LoopLogger;
  signal: AbortSignal;
  failure(): void;
  stop(): void;
  sleep(ms: number): Promise<void>;
}

export const CONTEXT_SLOT = Symbol.for('superloops.context');
export const SUPERLOOP_BRAND = Symbol.for('superloops.SuperLoop');

/**
 * Extend this class to write a loop. `cycle()` is called over and over in the
 * loop's own worker thread until the loop is stopped. Every hook may be sync or
 * async. Hook order: onStart → onThreadStart → cycle … cycle → onStop → onThreadStop.
 * All of them run in the worker thread; nothing here ever runs on the supervisor's thread.
 */
export abstract class SuperLoop<Options = unknown> {
  static readonly [SUPERLOOP_BRAND] = true;

  /** The loop's name from its spec. */
  readonly name: string;
  /** 0, 1, 2 …: one per worker thread this loop has had. */
  readonly generation: number;
  /** `${name}_${generation}`, as the seed names its threads. */
  readonly threadName: string;
  /** The `options` of the loop's spec (structured-cloned into the worker). */
  readonly options: Options;
  /** pino-style logger; lines reach the supervisor's log with `loop`, `thread` and `generation`. */
  readonly logger: LoopLogger;
  /** Aborted when a stop is requested: pass it to fetch() and friends so they are cancelled. */
  readonly signal: AbortSignal;
  readonly #context: LoopContext;

  constructor() {
    const context = (globalThis as Record<symbol, unknown>)[CONTEXT_SLOT] as LoopContext | undefined;
    if (context === undefined) {
      throw new Error(
        'a SuperLoop can only be constructed by the superloops runner inside its worker thread; ' +
          'add the module to a LoopController with controller.newLoop({ name, module }) instead of calling new',
      );
    }
    this.#context = context;
    this.name = context.name;
    this.generation = context.generation;
    this.threadName = context.threadName;
    this.options = context.options as Options;
    this.logger = context.logger;
    this.signal = context.signal;
  }

  /** Runs first in each new worker, with the arguments given to `start()`. Return `false` (exactly) to veto the start. */
  onStart(..._args: unknown[]): boolean | void | Promise<boolean | void> {
    return true;
  }

  /** Runs once the loop is starting, before the first cycle. If it throws, the generation ends without cycling. */
  onThreadStart(): void | Promise<void> {}

  /** The work. A cycle that throws or rejects counts as a failure and the loop goes on with the next one. */
  abstract cycle(): void | Promise<void>;

  /** Runs when a stop was asked for, after the current cycle has ended, with the arguments given to `stop()`. */
  onStop(..._args: unknown[]): void | Promise<void> {}

  /** Runs last, just before the worker ends gracefully. */
  onThreadStop(): void | Promise<void> {}

  /** Reports a failure; past `maxLoopFailures` the loop exceeds its budget (and may trigger a global reset). */
  failure(): void {
    this.#context.failure();
  }

  /** Asks the loop to stop after the current cycle; it will not be restarted. */
  stop(): void {
    this.#context.stop();
  }

  /** Waits `ms`, or less if a stop is requested meanwhile. */
  sleep(ms: number): Promise<void> {
    return this.#context.sleep(ms);
  }
}

export type SuperLoopClass = new () => SuperLoop;

/** True for a class that extends SuperLoop, from any copy of this module. */
export function isSuperLoopClass(value: unknown): value is SuperLoopClass {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[SUPERLOOP_BRAND] === true;
}
