import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { Loop, type LoopStatus } from '../loop/loop.js';
import { checkLoopModules, type ModuleProblem } from '../loop/module-check.js';
import { ModuleCompiler } from '../loop/module-compiler.js';
import type { LoopSpec } from '../loop/options.js';
import { toErrorRecord, type ErrorRecord } from '../worker/protocol.js';
import { ResetIntensity } from './intensity.js';

/**
 * Runs between stopping and restarting the loops of a global reset. A throw is
 * logged and the reset goes on. `signal` is aborted when the controller stops
 * waiting for it (`resetCallbackTimeoutMs`): cancel what it does then.
 */
export type ResetCallback = (reset: { resetId: string; loops: string[]; signal: AbortSignal }) => unknown;

export interface ControllerOptions {
  /** Runs between stopping and restarting the loops of a global reset; see ResetCallback. */
  resetCallback?: ResetCallback;
  /** The reset callback is abandoned (and the reset goes on) after this long. @default 30000 */
  resetCallbackTimeoutMs?: number;
  /** More than this many global resets within `resetWindowMs` and the controller gives up. @default 5 */
  maxResets?: number;
  /** @default 60000 */
  resetWindowMs?: number;
  /** The pino logger every line goes to; loops get children of it. @default pino() to stdout */
  logger?: Logger;
  /** Where compiled loop modules are written. @default a private directory under the OS temp dir */
  cacheDir?: string;
}

export interface ResetTrigger {
  /** The loop that exceeded its failure budget, if that is why. */
  loop?: string;
  reason: 'threshold' | 'requested';
}

export interface ResetResult {
  resetId: string;
  /** Loops that run their next generation after the reset. */
  restarted: string[];
  durationMs: number;
}

export interface ControllerEvents extends Record<string, unknown> {
  loopAdded: { loop: Loop };
  loopRemoved: { loop: string };
  greenLight: { value: boolean; loop?: string };
  resetStarted: { resetId: string; trigger: ResetTrigger; loops: string[] };
  resetCallbackFailed: { resetId: string; error: ErrorRecord };
  resetCompleted: ResetResult;
  gaveUp: { resets: number; maxResets: number; resetWindowMs: number };
}

export interface ControllerStatus {
  greenLight: boolean;
  resetting: boolean;
  gaveUp: boolean;
  resets: number;
  /** Crash restarts of all loops so far, removed loops included; see `LoopController.restarts`. */
  restarts: number;
  loops: LoopStatus[];
}

/**
 * Links loops into one system with a shared green light. When a loop exceeds
 * its failure budget the green light clears and, at once (by event, never by
 * polling), every `resetGlobally` loop is stopped in parallel, the reset
 * callback runs, and they all start again as their next generation.
 */
export class LoopController extends TypedEmitter<ControllerEvents> {
  readonly logger: Logger;
  readonly #loops = new Map<string, Loop>();
  /**
   * Loops removed whose stop has not ended, by name. Their names stay taken:
   * a loop added under one meanwhile would start its generation 0 beside the
   * old one's (two `A_0` threads). A stop that fails (SL_ERR_UNKILLABLE: the
   * worker is stuck in native code and may still run) keeps the name for good.
   */
  readonly #removing = new Map<string, Loop>();
  /** Crash restarts of loops whose removal has ended, so that `restarts` never goes down. */
  #removedRestarts = 0;
  readonly #intensity: ResetIntensity;
  readonly #resetCallback: ControllerOptions['resetCallback'];
  readonly #resetCallbackTimeoutMs: number;
  readonly #cacheDir: string | undefined;
  #compiler: ModuleCompiler | undefined;
  #greenLight = true;
  #reset: Promise<ResetResult> | undefined;
  #resets = 0;
  #gaveUp = false;

  constructor(options: ControllerOptions = {}) {
    super();
    this.logger = options.logger ?? pino();
    this.#intensity = new ResetIntensity(options.maxResets ?? 5, options.resetWindowMs ?? 60_000);
    this.#resetCallback = options.resetCallback;
    this.#resetCallbackTimeoutMs = options.resetCallbackTimeoutMs ?? 30_000;
    this.#cacheDir = options.cacheDir;
  }

  /** Is the system healthy: no loop has exceeded its failure budget since the last reset. */
  get greenLight(): boolean {
    return this.#greenLight;
  }
  get resetting(): boolean {
    return this.#reset !== undefined;
  }
  get gaveUp(): boolean {
    return this.#gaveUp;
  }
  /** Global resets so far. */
  get resets(): number {
    return this.#resets;
  }
  /**
   * Crash restarts of all loops so far: the sum of their `restarts`, loops
   * removed since included, so it never goes down (a reload that replaces a
   * loop does not lower it). Global and hard resets are not restarts.
   */
  get restarts(): number {
    let sum = this.#removedRestarts;
    for (const loop of this.#loops.values()) sum += loop.restarts;
    for (const loop of this.#removing.values()) sum += loop.restarts;
    return sum;
  }
  get loops(): readonly Loop[] {
    return [...this.#loops.values()];
  }

  /**
   * Adds a loop (not started: call `start()` on it or on the controller).
   * Throws SL_ERR_LOOP_EXISTS if the name is taken, also by a loop whose
   * `removeLoop` has not resolved yet: await that first. (Refusing, not
   * waiting, keeps newLoop synchronous.)
   */
  newLoop(spec: LoopSpec): Loop {
    if (this.#loops.has(spec.name)) {
      throw new SuperloopsError(ErrorCodes.LOOP_EXISTS, `a loop named ${spec.name} already exists; loop names must be unique`, {
        details: { loop: spec.name },
      });
    }
    if (this.#removing.has(spec.name)) {
      throw new SuperloopsError(
        ErrorCodes.LOOP_EXISTS,
        `a loop named ${spec.name} is still being removed; await removeLoop(${JSON.stringify(spec.name)}) before adding it again`,
        { details: { loop: spec.name, removing: true } },
      );
    }
    const loop = new Loop(spec, { logger: this.logger, compiler: this.#moduleCompiler() });
    loop.on('thresholdExceeded', ({ loop: name }) => this.#onThresholdExceeded(name));
    this.#loops.set(spec.name, loop);
    this.emit('loopAdded', { loop });
    return loop;
  }

  /**
   * Loads each spec's module in a throwaway worker and says what is wrong with
   * any (it does not load, or exports no SuperLoop), before they are added: a
   * reload refuses a set with problems whole. Built with this controller's
   * compiler, so the loops' starts reuse the builds.
   */
  checkModules(specs: readonly LoopSpec[]): Promise<ModuleProblem[]> {
    return specs.length === 0 ? Promise.resolve([]) : checkLoopModules(specs, this.#moduleCompiler());
  }

  #moduleCompiler(): ModuleCompiler {
    return (this.#compiler ??= new ModuleCompiler(this.#cacheDir));
  }

  /** The loop of that name; throws SL_ERR_LOOP_NOT_FOUND naming the known ones. */
  getLoop(name: string): Loop {
    const loop = this.#loops.get(name);
    if (loop === undefined) {
      const known = [...this.#loops.keys()];
      throw new SuperloopsError(
        ErrorCodes.LOOP_NOT_FOUND,
        `no loop named ${JSON.stringify(name)}; known loops: ${known.length ? known.join(', ') : '(none)'}`,
        { details: { loop: name, known } },
      );
    }
    return loop;
  }

  /** Stops the loop and forgets it; its name can be used again once this resolves. */
  async removeLoop(name: string): Promise<void> {
    const loop = this.getLoop(name);
    // Forgotten first, so that no new command finds it while it stops; the name stays taken until it has stopped.
    this.#loops.delete(name);
    this.#removing.set(name, loop);
    await loop.remove();
    this.#removing.delete(name);
    this.#removedRestarts += loop.restarts;
    loop.removeAllListeners();
    this.emit('loopRemoved', { loop: name });
  }

  /** Starts every loop whose spec does not say `autostart: false`, in parallel. */
  async start(): Promise<void> {
    this.#assertUsable();
    await Promise.all(this.loops.filter((l) => l.spec.autostart !== false).map((l) => l.start()));
  }

  /** Stops every loop in parallel, each bounded by its grace period; resolves when every worker is gone. */
  async stop(): Promise<void> {
    await this.stopLoops();
    this.#compiler?.dispose();
  }

  async stopLoops(): Promise<void> {
    const results = await Promise.allSettled(this.loops.map((l) => l.stop()));
    for (const r of results) if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'Stop failed');
  }

  /** Starts every loop that is meant to run or was never started and has no worker, and is not busy with a command. */
  async maintainLoops(): Promise<void> {
    this.#assertUsable();
    await Promise.all(this.loops.filter((l) => !l.isAlive && !l.busy && l.state !== 'restarting').map((l) => l.start()));
  }

  aliveLoops(): Loop[] {
    return this.loops.filter((l) => l.isAlive);
  }

  hasAliveLoops(): boolean {
    return this.loops.some((l) => l.isAlive);
  }

  /**
   * Loops meant to run that are not making progress: no worker, or a cycle
   * that has been running for more than `stalledAfterMs`.
   */
  getStalledLoops(stalledAfterMs = 60_000): Loop[] {
    return this.loops.filter((l) => l.running && (!l.isAlive || (l.currentCycleMs ?? 0) > stalledAfterMs));
  }

  status(): ControllerStatus {
    return {
      greenLight: this.#greenLight,
      resetting: this.resetting,
      gaveUp: this.#gaveUp,
      resets: this.#resets,
      restarts: this.restarts,
      loops: this.loops.map((l) => l.status()),
    };
  }

  /**
   * A global reset. A request made while one runs joins it (one reset, one
   * result). Past `maxResets` within `resetWindowMs` the controller gives up
   * instead: it stops every loop and stays down.
   */
  reset(trigger: ResetTrigger = { reason: 'requested' }): Promise<ResetResult> {
    // Rejects rather than throws, as the async commands do: callers handle one kind of failure.
    if (this.#gaveUp) return Promise.reject(this.#gaveUpError());
    this.#reset ??= this.#runReset(trigger).finally(() => (this.#reset = undefined));
    return this.#reset;
  }

  #onThresholdExceeded(name: string): void {
    if (this.#gaveUp) return;
    if (this.#greenLight) {
      this.#greenLight = false;
      this.emit('greenLight', { value: false, loop: name });
    }
    this.reset({ loop: name, reason: 'threshold' }).catch(() => {
      // Giving up is reported by its own event and log line.
    });
  }

  async #runReset(trigger: ResetTrigger): Promise<ResetResult> {
    const began = performance.now();
    const resetId = randomUUID().slice(0, 8);
    const log = this.logger.child({ resetId });
    if (this.#intensity.record(Date.now())) {
      await this.#giveUp(log);
      throw new SuperloopsError(ErrorCodes.CONTROLLER_GAVE_UP, this.#gaveUpMessage(), { details: { resetId } });
    }
    this.#resets++;
    if (this.#greenLight) {
      this.#greenLight = false;
      this.emit('greenLight', { value: false });
    }
    const participants = this.loops.filter((l) => l.config.resetGlobally);
    const names = participants.map((l) => l.name);
    this.emit('resetStarted', { resetId, trigger, loops: names });
    log.info({ trigger: trigger.reason, loop: trigger.loop, loops: names }, 'Stopping loops');

    // Every loop stops at once, each within its own grace period; the callback
    // runs once all are down; then all start again at once.
    let restart!: () => void;
    const restartGate = new Promise<void>((resolve) => (restart = resolve));
    const stopped: Promise<void>[] = [];
    const tasks = participants.map((loop) => {
      let done!: () => void;
      stopped.push(new Promise<void>((resolve) => (done = resolve)));
      return loop.resetWith(done, restartGate, resetId);
    });
    await Promise.all(stopped);

    log.info('Resetting');
    await this.#runCallback(resetId, names, log);

    log.info('Restarting loops');
    restart();
    const outcomes = await Promise.allSettled(tasks);
    const restarted: string[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled' && outcome.value?.started) restarted.push(names[i]!);
      if (outcome.status === 'rejected') log.error({ loop: names[i], err: outcome.reason }, 'Loop did not restart');
    });
    this.#greenLight = true;
    this.emit('greenLight', { value: true });
    const result = { resetId, restarted, durationMs: Math.round(performance.now() - began) };
    log.info({ restarted, durationMs: result.durationMs }, 'Restart completed');
    this.emit('resetCompleted', result);
    return result;
  }

  async #runCallback(resetId: string, loops: string[], log: Logger): Promise<void> {
    if (this.#resetCallback === undefined) return;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new SuperloopsError(ErrorCodes.TIMEOUT, `reset callback did not finish within ${this.#resetCallbackTimeoutMs} ms`);
          abort.abort(err);
          reject(err);
        }, this.#resetCallbackTimeoutMs);
      });
      await Promise.race([Promise.resolve().then(() => this.#resetCallback!({ resetId, loops, signal: abort.signal })), timeout]);
    } catch (err) {
      log.error({ err }, 'Reset callback failed');
      this.emit('resetCallbackFailed', { resetId, error: toErrorRecord(err) });
    } finally {
      clearTimeout(timer);
    }
  }

  async #giveUp(log: Logger): Promise<void> {
    this.#gaveUp = true;
    this.#greenLight = false;
    const counts = { resets: this.#intensity.count(Date.now()), maxResets: this.#intensity.max, resetWindowMs: this.#intensity.windowMs };
    log.error(counts, 'Gave up: too many resets');
    // Retired, not just stopped: a handle an embedder kept cannot start a worker behind our back.
    const refusal = this.#gaveUpError();
    const results = await Promise.allSettled(this.loops.map((l) => l.retire(refusal)));
    for (const r of results) if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'Stop failed');
    this.emit('gaveUp', counts);
  }

  #gaveUpMessage(): string {
    return `the controller gave up after more than ${this.#intensity.max} resets within ${this.#intensity.windowMs} ms; restart the process`;
  }

  #gaveUpError(): SuperloopsError {
    return new SuperloopsError(ErrorCodes.CONTROLLER_GAVE_UP, this.#gaveUpMessage());
  }

  #assertUsable(): void {
    if (this.#gaveUp) throw this.#gaveUpError();
  }
}
