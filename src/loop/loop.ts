import type { Logger } from 'pino';
import { ErrorCodes, SuperloopsError, type ErrorCode } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { CYCLE_BUCKETS_S, type ErrorRecord, type FailureKind, type HookName } from '../worker/protocol.js';
import { restartDelayMs } from './backoff.js';
import { FailureBudget } from './failure-budget.js';
import { Generation, type GenerationExit } from './generation.js';
import type { ModuleCompiler } from './module-compiler.js';
import { resolveLoopOptions, type LoopOptions, type LoopSpec } from './options.js';
import { Serial } from './serial.js';
import { Watchdog } from './watchdog.js';

export type LoopState = 'stopped' | 'starting' | 'running' | 'stopping' | 'restarting' | 'failed';

export type StopReason = 'requested' | 'self' | 'hard-reset' | 'reset' | 'failure';

export interface LoopEvents extends Record<string, unknown> {
  state: { loop: string; from: LoopState; to: LoopState };
  started: { loop: string; generation: number; thread: string };
  vetoed: { loop: string; generation: number };
  loadFailed: { loop: string; error: ErrorRecord };
  stopped: { loop: string; generation: number; graceful: boolean; reason: StopReason };
  failure: { loop: string; generation: number; kind: FailureKind; error?: ErrorRecord; failures: number };
  thresholdExceeded: { loop: string; generation: number; maxLoopFailures: number };
  crashed: { loop: string; generation: number; kind: FailureKind; exitCode: number; error?: ErrorRecord };
  restartScheduled: { loop: string; generation: number; delayMs: number; attempt: number };
  hookError: { loop: string; generation: number; hook: HookName; error: ErrorRecord };
  watchdog: { loop: string; generation: number; cycleMs: number; diagnosis: 'busy' | 'waiting' };
  unkillable: { loop: string; generation: number };
}

export interface StartResult {
  /** The loop is cycling (now, or already was). */
  started: boolean;
  generation: number;
  /**
   * Why not: onStart vetoed it, its module could not be loaded, its worker died
   * while starting, or a stop, hard reset or global reset came before it was
   * cycling (`interrupted`: that command stops the generation).
   */
  reason?: 'vetoed' | 'load-error' | 'crashed' | 'already-running' | 'interrupted';
  error?: ErrorRecord;
}

export interface StopResult {
  /** The worker ended by itself within the grace period, after onStop and onThreadStop ran. */
  graceful: boolean;
  /** A worker was alive when the stop began. */
  wasAlive: boolean;
}

export interface LoopStatus {
  name: string;
  state: LoopState;
  running: boolean;
  alive: boolean;
  generation: number;
  thread: string;
  startedAt: number | null;
  uptimeMs: number;
  cycles: number;
  lastCycleAt: number | null;
  failures: number;
  failuresByKind: Record<FailureKind, number>;
  restarts: number;
  heapUsedBytes: number;
  resetGlobally: boolean;
  /** The most recent failure (or failure to load), for `ctl status`; null if there was none. */
  lastFailure: LastFailure | null;
}

export interface LastFailure {
  kind: FailureKind | 'load-error';
  /** The error's message, or what happened when there is no error (a reported failure, a watchdog trip). */
  message: string;
  /** Epoch ms. */
  at: number;
  generation: number;
}

/** What a failure without an error of its own says in `lastFailure`. */
const FAILURE_WITHOUT_ERROR: Record<FailureKind, string> = {
  reported: 'failure() was called',
  'cycle-error': 'a cycle threw',
  crash: 'the worker crashed',
  exit: 'the worker called process.exit',
  oom: 'the worker ran out of heap',
  watchdog: 'a cycle ran past cycleTimeoutMs',
  'thread-start': 'onThreadStart threw',
};

/** How long terminate() may take before the worker is declared unkillable (stuck in a native call). */
const TERMINATE_BOUND_MS = 5000;

/** For start arguments or options that cannot be sent to a worker. */
const INVALID_ARGUMENT: ErrorCode = ErrorCodes.INVALID_ARGUMENT;

export interface LoopDeps {
  logger: Logger;
  compiler: ModuleCompiler;
  random?: () => number;
}

const noFailures = (): Record<FailureKind, number> => ({
  reported: 0,
  'cycle-error': 0,
  crash: 0,
  oom: 0,
  exit: 0,
  watchdog: 0,
  'thread-start': 0,
});

/**
 * The supervisor-side handle of one loop: starts, stops and hard-resets its
 * worker thread, counts its failures, restarts it after a crash with backoff.
 *
 * Invariants: at most one generation is alive (a new worker is spawned only
 * after the previous one's 'exit'); lifecycle commands run one at a time
 * (`#serial`); events from a generation that is no longer current change
 * nothing (their log lines are still written, with their own generation).
 */
export class Loop extends TypedEmitter<LoopEvents> {
  readonly name: string;
  readonly spec: LoopSpec;
  readonly config: LoopOptions;
  readonly #logger: Logger;
  readonly #compiler: ModuleCompiler;
  readonly #random: () => number;
  readonly #serial = new Serial();
  readonly #budget: FailureBudget;
  readonly #watchdog: Watchdog;

  #state: LoopState = 'stopped';
  /** Why no command may start this loop again (removed from its controller, or the controller gave up); unset while it may. */
  #refusal: SuperloopsError | undefined;
  /** The seed's `running`: the loop is meant to run (set by start, cleared by stop). */
  #running = false;
  #current: Generation | undefined;
  #nextGeneration = 0;
  #lastGeneration: Generation | undefined;
  #startArgs: unknown[] = [];
  #restartTimer: NodeJS.Timeout | undefined;
  /**
   * Stops, hard resets and global resets queued and not yet running. A start
   * in progress does not wait for its generation to be ready while there is
   * one: it returns, and that command stops the starting generation within
   * its grace period (a hung onThreadStart must not wedge every command).
   */
  #preemptors = 0;
  /** Wakes the start in progress, if any, when a preemptor is queued. */
  #wakeStart: (() => void) | undefined;
  #crashAttempt = 0;
  #restarts = 0;
  #failuresByKind = noFailures();
  #lastFailure: LastFailure | null = null;
  /** Statistics of generations that have ended, so totals survive restarts. */
  #pastCycles = 0;
  #pastDurationCounts: number[] = new Array(CYCLE_BUCKETS_S.length + 1).fill(0);
  #pastDurationSum = 0;

  constructor(spec: LoopSpec, deps: LoopDeps) {
    super();
    this.name = spec.name;
    this.spec = spec;
    this.config = resolveLoopOptions(spec);
    this.#logger = deps.logger.child({ loop: spec.name });
    this.#compiler = deps.compiler;
    this.#random = deps.random ?? Math.random;
    this.#budget = new FailureBudget(this.config.maxLoopFailures, this.config.failureWindowMs);
    this.#watchdog = new Watchdog(this.config.cycleTimeoutMs, (generation, cycleMs, diagnosis) =>
      this.#onWatchdog(generation, cycleMs, diagnosis),
    );
  }

  // ── state ────────────────────────────────────────────────────────────────

  get state(): LoopState {
    return this.#state;
  }
  /** Meant to run: started and not stopped since (it may be between a crash and its restart). */
  get running(): boolean {
    return this.#running;
  }
  /** A worker thread of this loop exists. */
  get isAlive(): boolean {
    return this.#current !== undefined;
  }
  /** The current generation, or the last one; -1 before the first start. */
  get generation(): number {
    return (this.#current ?? this.#lastGeneration)?.number ?? -1;
  }
  get threadName(): string {
    return (this.#current ?? this.#lastGeneration)?.threadName ?? this.name;
  }
  /** Failures that count against the budget now. */
  get failures(): number {
    return this.#budget.count(Date.now());
  }
  get cycles(): number {
    return this.#pastCycles + (this.#current?.cycles ?? 0);
  }
  get lastCycleAt(): number | undefined {
    return this.#current?.lastCycleAt ?? this.#lastGeneration?.lastCycleAt;
  }
  /** How long the cycle running now has run, or undefined between cycles (or with no worker). */
  get currentCycleMs(): number | undefined {
    return this.#current?.cycleRunningMs();
  }
  get startedAt(): number | undefined {
    return this.#current?.startedAt;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get failuresByKind(): Readonly<Record<FailureKind, number>> {
    return this.#failuresByKind;
  }
  /** Lifecycle commands queued or running on this loop. */
  get busy(): boolean {
    return this.#serial.pending > 0;
  }

  /** Cycle-duration histogram over all generations: per-bucket counts (bounds: CYCLE_BUCKETS_S, then +Inf) and the sum in seconds. */
  cycleDurations(): { counts: number[]; sumSeconds: number } {
    const now = this.#current?.durations();
    return {
      counts: this.#pastDurationCounts.map((c, i) => c + (now?.counts[i] ?? 0)),
      sumSeconds: this.#pastDurationSum + (now?.sumSeconds ?? 0),
    };
  }

  status(): LoopStatus {
    const startedAt = this.startedAt;
    const lastCycleAt = this.lastCycleAt;
    return {
      name: this.name,
      state: this.#state,
      running: this.#running,
      alive: this.isAlive,
      generation: this.generation,
      thread: this.threadName,
      startedAt: startedAt ?? null,
      uptimeMs: startedAt === undefined ? 0 : Date.now() - startedAt,
      cycles: this.cycles,
      lastCycleAt: lastCycleAt ?? null,
      failures: this.failures,
      failuresByKind: { ...this.#failuresByKind },
      restarts: this.#restarts,
      heapUsedBytes: this.#current?.heapUsedBytes ?? 0,
      resetGlobally: this.config.resetGlobally,
      lastFailure: this.#lastFailure && { ...this.#lastFailure },
    };
  }

  // ── commands ─────────────────────────────────────────────────────────────

  /** Starts the loop; a no-op if it is already alive. Resolves when it is cycling, or with why it is not. */
  start(...args: unknown[]): Promise<StartResult> {
    return this.#serial.run(async () => {
      if (this.#current) return { started: true, generation: this.#current.number, reason: 'already-running' as const };
      this.#cancelRestart();
      this.#running = true;
      const previousArgs = this.#startArgs;
      this.#startArgs = args;
      try {
        return await this.#spawn();
      } catch (err) {
        // Arguments no worker can take must not stay behind for the next hard reset or restart.
        if (err instanceof SuperloopsError && err.code === INVALID_ARGUMENT) this.#startArgs = previousArgs;
        throw err;
      }
    });
  }

  /**
   * Asks the loop to stop after its current cycle, waits up to `gracePeriodMs`,
   * then terminates the worker. Resolves when the worker is gone.
   */
  stop(...args: unknown[]): Promise<StopResult> {
    return this.#preempt(() => this.#stop(args, 'requested'));
  }

  /** Stops the current generation (gracefully, or at once with `force`) and starts the next one. */
  hardReset(options: { force?: boolean } = {}): Promise<StartResult> {
    return this.#preempt(() => this.#hardReset(options.force === true));
  }

  /**
   * The loop's part in a global reset: stop (if it runs), tell `stopped`, wait
   * for `restart` (the other loops stopping and the reset callback), then start
   * the next generation if the loop was meant to run. One serialized command, so
   * nothing else on this loop can slip in between the two halves.
   */
  resetWith(stopped: () => void, restart: Promise<void>, resetId?: string): Promise<StartResult | undefined> {
    return this.#preempt(async () => {
      const wanted = this.#running;
      this.#cancelRestart();
      try {
        const current = this.#current;
        if (current) await this.#stopGeneration(current, [], this.config.gracePeriodMs, 'reset', resetId);
      } finally {
        stopped();
      }
      await restart;
      this.#budget.reset();
      if (!wanted || this.#refusal) return undefined;
      this.#running = true;
      return this.#spawn(resetId);
    });
  }

  /** Reports a failure from outside the loop (fault injection: `ctl failure`). */
  failure(): void {
    this.#recordFailure('reported', undefined, this.#current?.number ?? this.generation);
  }

  /**
   * Stops the loop for good, for `controller.removeLoop`. A command that found
   * this handle before it was removed and is queued behind the stop must not
   * start a worker nobody supervises any more: from now on starts are refused.
   */
  remove(): Promise<StopResult> {
    this.#refusal ??= new SuperloopsError(ErrorCodes.LOOP_NOT_FOUND, `loop ${this.name} was removed (by a reload or removeLoop); it cannot be started again`, {
      details: { loop: this.name },
    });
    return this.stop();
  }

  /**
   * Stops the loop for good because its controller gave up: restarting does not
   * help, so a handle an embedder kept must not start a worker behind the
   * controller's back. Later starts reject with `reason`.
   */
  retire(reason: SuperloopsError): Promise<StopResult> {
    this.#refusal ??= reason;
    return this.stop();
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** Queues a command that stops the current generation, first cutting short the wait of a start in progress. */
  #preempt<T>(command: () => Promise<T>): Promise<T> {
    this.#preemptors++;
    this.#wakeStart?.();
    return this.#serial.run(() => {
      this.#preemptors--;
      return command();
    });
  }

  /** The logger of the current generation, else of the last one; before any, one with the bindings a generation would have. */
  #log(generation?: number): Logger {
    for (const g of [this.#current, this.#lastGeneration]) if (g && (generation === undefined || g.number === generation)) return g.logger;
    const number = generation ?? this.generation;
    return this.#logger.child({ thread: number < 0 ? this.name : `${this.name}_${number}`, generation: number });
  }

  async #hardReset(force: boolean): Promise<StartResult> {
    this.#log().info({ force }, 'Hard reset');
    this.#cancelRestart();
    const current = this.#current;
    if (current) await this.#stopGeneration(current, [], force ? 0 : this.config.gracePeriodMs, 'hard-reset');
    this.#running = true;
    return this.#spawn();
  }

  /** Resolves with `generation`'s readiness, or 'interrupted' as soon as a stop, hard reset or global reset is queued. */
  async #untilReady(generation: Generation): Promise<'started' | 'vetoed' | 'load-error' | 'exited' | 'interrupted'> {
    if (this.#preemptors > 0) return 'interrupted';
    const interrupted = new Promise<'interrupted'>((resolve) => (this.#wakeStart = () => resolve('interrupted')));
    try {
      return await Promise.race([generation.ready, interrupted]);
    } finally {
      this.#wakeStart = undefined;
    }
  }

  #setState(to: LoopState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.emit('state', { loop: this.name, from, to });
  }

  /** Starts the next generation. `resetId`: the global reset this start is part of, for its `Started` line. */
  async #spawn(resetId?: string): Promise<StartResult> {
    if (this.#refusal) {
      this.#running = false;
      const { code, message, details } = this.#refusal;
      throw new SuperloopsError(code, message, { details });
    }
    const number = this.#nextGeneration;
    this.#setState('starting');
    let moduleUrl: string;
    try {
      moduleUrl = await this.#compiler.compile(this.spec.module);
    } catch (err) {
      return this.#loadFailed(number, { name: 'SuperloopsError', message: (err as Error).message, code: ErrorCodes.MODULE_INVALID });
    }
    let generation: Generation;
    try {
      generation = this.#newGeneration(number, moduleUrl);
    } catch (err) {
      // new Worker() throws before any thread exists, typically a DataCloneError for
      // start arguments or options that cannot be sent to a worker: nothing ran, no
      // generation was used up, and the loop is stopped, not stuck in `starting`.
      this.#running = false;
      this.#setState('stopped');
      if ((err as Error | undefined)?.name === 'DataCloneError') {
        throw new SuperloopsError(
          INVALID_ARGUMENT,
          `loop ${this.name}: its start arguments or options cannot be sent to a worker thread (${(err as Error).message}); pass only structured-cloneable values (no functions, symbols or class instances with private state)`,
          { cause: err, details: { loop: this.name } },
        );
      }
      throw err;
    }
    this.#nextGeneration++;
    this.#current = generation;
    this.#lastGeneration = generation;
    const outcome = await this.#untilReady(generation);
    if (outcome === 'interrupted') return { started: false, generation: number, reason: 'interrupted' };
    if (outcome === 'started') {
      if (generation === this.#current) {
        this.#setState('running');
        this.#watchdog.watch(generation);
        (resetId === undefined ? generation.logger : generation.logger.child({ resetId })).info('Started');
        this.emit('started', { loop: this.name, generation: number, thread: generation.threadName });
      }
      return { started: true, generation: number };
    }
    await generation.exited;
    if (outcome === 'vetoed') {
      generation.logger.info('onStart returned false, not starting');
      this.emit('vetoed', { loop: this.name, generation: number });
      return { started: false, generation: number, reason: 'vetoed' };
    }
    if (outcome === 'load-error') return this.#loadFailed(number, generation.loadError!);
    return { started: false, generation: number, reason: 'crashed', ...(generation.exit?.error ? { error: generation.exit.error } : {}) };
  }

  #newGeneration(number: number, moduleUrl: string): Generation {
    const generation: Generation = new Generation(
      {
        name: this.name,
        number,
        moduleUrl,
        source: String(this.spec.module),
        options: this.spec.options,
        startArgs: this.#startArgs,
        memoryLimitMb: this.config.memoryLimitMb,
        logger: this.#logger,
      },
      {
        onFailure: (kind, error) => generation === this.#current && this.#recordFailure(kind, error, number),
        onHookError: (hook, error) => {
          generation.logger.error({ hook, err: error }, 'Hook threw');
          this.emit('hookError', { loop: this.name, generation: number, hook, error });
        },
        onSelfStop: () => {
          if (generation !== this.#current) return;
          generation.logger.info('Stopping by itself');
          this.#running = false;
        },
        onExit: (exit) => this.#onExit(generation, exit),
      },
    );
    return generation;
  }

  #loadFailed(generation: number, error: ErrorRecord): StartResult {
    this.#running = false;
    this.#setState('failed');
    this.#lastFailure = { kind: 'load-error', message: error.message, at: Date.now(), generation };
    this.#log(generation).error({ err: error, module: String(this.spec.module) }, 'Loop module failed to load');
    this.emit('loadFailed', { loop: this.name, error });
    return { started: false, generation, reason: 'load-error', error };
  }

  async #stop(args: unknown[], reason: StopReason): Promise<StopResult> {
    this.#running = false;
    this.#cancelRestart();
    const current = this.#current;
    if (!current) {
      if (this.#state === 'restarting') this.#setState('stopped');
      return { graceful: true, wasAlive: false };
    }
    const graceful = await this.#stopGeneration(current, args, this.config.gracePeriodMs, reason);
    return { graceful, wasAlive: true };
  }

  /** Ask, wait up to `graceMs`, then terminate. Resolves once the worker is gone; true if it ended by itself. */
  async #stopGeneration(generation: Generation, args: unknown[], graceMs: number, reason: StopReason, resetId?: string): Promise<boolean> {
    this.#setState('stopping');
    this.#watchdog.unwatch();
    // The lines of a global reset's stop say which reset it was.
    const log = resetId === undefined ? generation.logger : generation.logger.child({ resetId });
    log.info({ reason, gracePeriodMs: graceMs }, 'Stopping');
    generation.requestStop(args);
    let graceful = graceMs > 0 && (await generation.exitsWithin(graceMs));
    if (!graceful) {
      if (graceMs > 0) log.warn({ gracePeriodMs: graceMs }, 'Grace period over, terminating');
      if (!(await generation.terminate(TERMINATE_BOUND_MS))) {
        // terminate() cannot interrupt a synchronous native call (execSync, a blocking read):
        // never start a second generation beside it; let the process supervisor restart us.
        generation.logger.fatal({ boundMs: TERMINATE_BOUND_MS }, 'Worker did not end after terminate');
        this.emit('unkillable', { loop: this.name, generation: generation.number });
        throw new SuperloopsError(
          ErrorCodes.UNKILLABLE,
          `loop ${this.name}: worker ${generation.threadName} did not end ${TERMINATE_BOUND_MS} ms after terminate(); it is blocked in a synchronous native call — restart the daemon`,
          { details: { loop: this.name } },
        );
      }
    }
    // A loop that called this.stop() while the stop was under way still ended by itself, after its hooks.
    graceful = graceful && (generation.exit?.ending === 'stopped' || generation.exit?.ending === 'self-stopped');
    log.info({ graceful, exitCode: generation.exit?.code }, graceful ? 'Exited gracefully' : 'Terminated');
    this.#setState('stopped');
    this.emit('stopped', { loop: this.name, generation: generation.number, graceful, reason });
    return graceful;
  }

  #onExit(generation: Generation, exit: GenerationExit): void {
    // Keep the totals of the generation that ended.
    this.#pastCycles += generation.cycles;
    const durations = generation.durations();
    durations.counts.forEach((c, i) => (this.#pastDurationCounts[i]! += c));
    this.#pastDurationSum += durations.sumSeconds;
    if (generation !== this.#current) return;
    this.#current = undefined;
    this.#watchdog.unwatch();
    if (generation.stopRequested || exit.ending === 'vetoed' || exit.ending === 'load-error') {
      if (exit.ending === 'vetoed' || exit.ending === 'load-error') this.#running = false;
      if (exit.ending === 'vetoed') this.#setState('stopped');
      return; // whoever asked is waiting on `exited` and reports it
    }
    if (exit.ending === 'self-stopped') {
      generation.logger.info('Exited gracefully');
      this.#running = false;
      this.#setState('stopped');
      this.emit('stopped', { loop: this.name, generation: generation.number, graceful: true, reason: 'self' });
      return;
    }
    this.#onCrash(generation, exit);
  }

  /** The worker died on its own: count it, and restart it per the policy, with backoff. */
  #onCrash(generation: Generation, exit: GenerationExit): void {
    const kind: FailureKind =
      exit.ending === 'thread-start'
        ? 'thread-start'
        : exit.error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'oom'
          : exit.ending === 'error'
            ? 'crash'
            : 'exit';
    generation.logger.error({ kind, exitCode: exit.code, err: exit.error }, 'Worker died');
    this.emit('crashed', { loop: this.name, generation: generation.number, kind, exitCode: exit.code, ...(exit.error ? { error: exit.error } : {}) });
    // A thread-start failure was already counted when the worker reported it.
    if (kind !== 'thread-start') this.#recordFailure(kind, exit.error, generation.number);

    const cleanExit = kind === 'exit' && exit.code === 0;
    const policy = this.config.restart;
    if (!this.#running || policy === 'never' || (policy === 'on-failure' && cleanExit)) {
      this.#running = false;
      this.#setState(cleanExit ? 'stopped' : 'failed');
      return;
    }
    const stable = Date.now() - generation.startedAt >= this.config.stableAfterMs;
    this.#crashAttempt = stable ? 1 : this.#crashAttempt + 1;
    const delayMs = restartDelayMs(this.#crashAttempt, this.config.restartDelayMs, this.config.maxRestartDelayMs, this.#random());
    this.#setState('restarting');
    this.emit('restartScheduled', { loop: this.name, generation: this.#nextGeneration, delayMs, attempt: this.#crashAttempt });
    generation.logger.info({ delayMs, attempt: this.#crashAttempt }, 'Restart scheduled');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.#serial
        .run(async () => {
          // A stop, a hard reset or a global reset may have come first.
          if (!this.#running || this.#current || this.#state !== 'restarting') return;
          this.#restarts++;
          await this.#spawn();
        })
        .catch((err: unknown) => this.#log().error({ err }, 'Restart failed'));
    }, delayMs);
  }

  #cancelRestart(): void {
    if (this.#restartTimer !== undefined) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
    }
  }

  #recordFailure(kind: FailureKind, error: ErrorRecord | undefined, generation: number): void {
    this.#failuresByKind[kind]++;
    this.#lastFailure = { kind, message: error?.message ?? FAILURE_WITHOUT_ERROR[kind], at: Date.now(), generation };
    const exceeded = this.#budget.record(Date.now());
    const failures = exceeded ? this.config.maxLoopFailures + 1 : this.#budget.count(Date.now());
    const log = this.#log(generation);
    log.warn({ kind, failures, maxLoopFailures: this.config.maxLoopFailures, err: error }, 'Failure');
    this.emit('failure', { loop: this.name, generation, kind, failures, ...(error ? { error } : {}) });
    if (!exceeded) return;
    log.error({ failures, maxLoopFailures: this.config.maxLoopFailures }, 'Exceeded maximum number of failures');
    if (this.config.stopOnFailure) {
      this.#running = false;
      void this.#serial.run(() => this.#stop([], 'failure')).catch((err: unknown) => this.#log().error({ err }, 'Stop on failure failed'));
    }
    this.emit('thresholdExceeded', { loop: this.name, generation, maxLoopFailures: this.config.maxLoopFailures });
  }

  #onWatchdog(generation: Generation, cycleMs: number, diagnosis: 'busy' | 'waiting'): void {
    if (generation !== this.#current) return;
    generation.logger.error(
      { cycleMs: Math.round(cycleMs), cycleTimeoutMs: this.config.cycleTimeoutMs, diagnosis },
      diagnosis === 'busy' ? 'Cycle timed out, spinning in synchronous code' : 'Cycle timed out, waiting on something that did not settle',
    );
    this.emit('watchdog', { loop: this.name, generation: generation.number, cycleMs, diagnosis });
    // Counting the failure may already have dealt with this generation: stopOnFailure
    // queued a stop, or the threshold started a global reset that replaces it. The
    // forced replacement runs only if neither did, so one trip is one new generation.
    this.#recordFailure('watchdog', undefined, generation.number);
    void this.#serial
      .run(async () => {
        // A stop or reset queued meanwhile replaces (or ends) the generation itself.
        if (this.#current !== generation || !this.#running || this.#preemptors > 0) return;
        await this.#hardReset(true);
      })
      .catch((err: unknown) => this.#log().error({ err }, 'Watchdog hard reset failed'));
  }
}
