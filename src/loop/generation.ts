import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import {
  CTL_LOGS_WRITTEN,
  CTL_STOP,
  CTL_WORDS,
  CYCLE_BUCKETS_S,
  STAT_BUCKETS,
  STAT_CYCLES,
  STAT_CYCLE_STARTED,
  STAT_DURATION_SUM,
  STAT_HEAP_USED,
  STAT_LAST_CYCLE_END,
  STAT_TIME_ORIGIN,
  STAT_WORDS,
  isRunnerMessage,
  toErrorRecord,
  type ErrorRecord,
  type HandleMessage,
  type HookName,
  type LogLevel,
  type RunnerData,
  type RunnerMessage,
} from '../worker/protocol.js';

const RUNNER = fileURLToPath(new URL('./runner.js', import.meta.url));

/** How a generation's worker ended, as far as the main thread can tell. */
export interface GenerationExit {
  code: number;
  /** What the worker said before it ended, or what its 'error' event carried. */
  ending: 'stopped' | 'self-stopped' | 'vetoed' | 'load-error' | 'thread-start' | 'error' | 'exit';
  error?: ErrorRecord;
}

export interface GenerationHandlers {
  onFailure(kind: 'reported' | 'cycle-error' | 'thread-start', error: ErrorRecord | undefined): void;
  onHookError(hook: HookName, error: ErrorRecord): void;
  onSelfStop(): void;
  onExit(exit: GenerationExit): void;
}

export interface GenerationConfig {
  name: string;
  number: number;
  moduleUrl: string;
  source: string;
  options: unknown;
  startArgs: unknown[];
  memoryLimitMb: number | undefined;
  logger: Logger;
  checkOnly?: boolean;
}

/**
 * One worker thread of a loop, from spawn to exit. The loop handle decides
 * what to do; this class only owns the thread: its shared memory, its
 * messages, its logs and its end. A Generation is never reused.
 */
export class Generation {
  readonly number: number;
  readonly threadName: string;
  readonly logger: Logger;
  readonly startedAt = Date.now();
  readonly worker: Worker;
  /** Resolves when the 'exit' event has fired: the thread is gone. */
  readonly exited: Promise<GenerationExit>;
  /** Resolves once the loop is cycling, or with why it never will. */
  readonly ready: Promise<'started' | 'vetoed' | 'load-error' | 'exited'>;
  stopRequested = false;
  exit: GenerationExit | undefined;
  loadError: ErrorRecord | undefined;

  /** The supervisor's end of the protocol channel (the runner has the other). */
  readonly #port: MessagePort;
  readonly #ctl: Int32Array;
  readonly #stats: Float64Array;
  #ending: GenerationExit['ending'] = 'exit';
  #error: ErrorRecord | undefined;
  #readyResolve!: (value: 'started' | 'vetoed' | 'load-error' | 'exited') => void;
  /** An unexpected message has been logged: the next ones are ignored quietly (a loop could post millions). */
  #toldUnexpected = false;

  constructor(config: GenerationConfig, handlers: GenerationHandlers) {
    this.number = config.number;
    this.threadName = `${config.name}_${config.number}`;
    this.logger = config.logger.child({ thread: this.threadName, generation: config.number });
    const ctl = new SharedArrayBuffer(CTL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const stats = new SharedArrayBuffer(STAT_WORDS * Float64Array.BYTES_PER_ELEMENT);
    this.#ctl = new Int32Array(ctl);
    this.#stats = new Float64Array(stats);
    this.#stats[STAT_CYCLE_STARTED] = -1;
    this.ready = new Promise((resolve) => (this.#readyResolve = resolve));

    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const workerData: RunnerData = {
      name: config.name,
      generation: config.number,
      moduleUrl: config.moduleUrl,
      source: config.source,
      options: config.options,
      startArgs: config.startArgs,
      ctl,
      stats,
      port: port2,
      logLevel: config.logger.level as LogLevel | 'silent',
      checkOnly: config.checkOnly,
    };
    try {
      this.worker = new Worker(RUNNER, {
        workerData,
        transferList: [port2],
        name: this.threadName,
        // Not the parent's flags: a daemon started with --input-type or --inspect would break
        // or expose every worker. (The runner turns source maps on for the user's module.)
        execArgv: [],
        // The worker's console output becomes log lines, so stdout stays one JSON record per line.
        stdout: true,
        stderr: true,
        ...(config.memoryLimitMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: config.memoryLimitMb } }),
      });
    } catch (err) {
      port1.close();
      port2.close();
      throw err;
    }
    pipeLines(this.worker, this.logger);

    port1.on('message', (message: unknown) => this.#onMessage(message, handlers));
    // Only user code posts on parentPort: nothing there is the protocol.
    this.worker.on('message', (message: unknown) => this.#unexpected(message));
    // 'error' comes before 'exit' when the worker died of an uncaught error (or ran out of memory).
    this.worker.on('error', (err: unknown) => {
      this.#error = toErrorRecord(err);
      this.#ending = 'error';
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        // Node delivers parentPort's messages before 'exit', but not those of another
        // port: take what the worker posted and this side has not read yet, in order,
        // so a 'stopped' or the last log lines count before the end is judged.
        for (let queued = receiveMessageOnPort(port1); queued !== undefined; queued = receiveMessageOnPort(port1)) {
          this.#onMessage(queued.message, handlers);
        }
        port1.close();
        this.exit = { code, ending: this.#ending, ...(this.#error ? { error: this.#error } : {}) };
        this.#readyResolve('exited');
        resolve(this.exit);
        handlers.onExit(this.exit);
      });
    });
  }

  /**
   * A message is checked before it is trusted, although only the runner holds the
   * protocol's port (user code posts on parentPort, which is never the protocol):
   * anything that is not one of its shapes is ignored, and said once per
   * generation. Nothing a worker sends may throw here — this is the main
   * thread's listener, and a throw would end the supervisor.
   */
  #onMessage(message: unknown, handlers: GenerationHandlers): void {
    if (!isRunnerMessage(message)) return this.#unexpected(message);
    try {
      this.#handle(message, handlers);
    } catch (err) {
      this.#unexpected(message, err);
    }
  }

  #unexpected(message: unknown, err?: unknown): void {
    if (this.#toldUnexpected) return;
    this.#toldUnexpected = true;
    const type = message !== null && typeof message === 'object' ? (message as { type?: unknown }).type : undefined;
    this.logger.warn(
      { messageType: typeof type === 'string' ? type.slice(0, 100) : typeof message, ...(err === undefined ? {} : { err: toErrorRecord(err) }) },
      'Unexpected message from the worker, ignored (said once per generation)',
    );
  }

  #handle(message: RunnerMessage, handlers: GenerationHandlers): void {
    switch (message.type) {
      case 'log': {
        const log = this.logger[message.level].bind(this.logger) as (obj: object, msg?: string) => void;
        log(message.obj ?? {}, message.msg);
        // Written: let a worker waiting on its log backlog go on.
        Atomics.add(this.#ctl, CTL_LOGS_WRITTEN, 1);
        Atomics.notify(this.#ctl, CTL_LOGS_WRITTEN);
        return;
      }
      case 'started':
        this.#readyResolve('started');
        return;
      case 'vetoed':
        this.#ending = 'vetoed';
        this.#readyResolve('vetoed');
        return;
      case 'load-error':
        this.#ending = 'load-error';
        this.loadError = message.error;
        this.#readyResolve('load-error');
        return;
      case 'loaded':
        return;
      case 'failure':
        if (message.kind === 'thread-start') this.#ending = 'thread-start';
        handlers.onFailure(message.kind, message.error);
        return;
      case 'hook-error':
        handlers.onHookError(message.hook, message.error);
        return;
      case 'stop-self':
        this.#ending = 'self-stopped';
        handlers.onSelfStop();
        return;
      case 'stopped':
        if (this.#ending !== 'self-stopped') this.#ending = 'stopped';
        return;
    }
  }

  /** Asks the loop to end after its current cycle: the flag reaches sync code, the message aborts `signal` and `sleep`. */
  requestStop(args: unknown[]): void {
    this.stopRequested = true;
    Atomics.store(this.#ctl, CTL_STOP, 1);
    const message: HandleMessage = { type: 'stop', args };
    try {
      this.#port.postMessage(message);
    } catch {
      // Arguments that cannot be cloned: stop without them rather than not at all.
      this.#port.postMessage({ type: 'stop', args: [] } satisfies HandleMessage);
    }
  }

  /** Resolves true if the worker ended within `ms`. */
  async exitsWithin(ms: number): Promise<boolean> {
    if (this.exit) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
    const ended = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return ended;
  }

  /** Kills the thread. Resolves true when it is gone, false if it did not end within `boundMs` (stuck in a native call). */
  async terminate(boundMs: number): Promise<boolean> {
    this.stopRequested = true;
    void this.worker.terminate();
    return this.exitsWithin(boundMs);
  }

  // ── statistics, read from shared memory ──────────────────────────────────

  get cycles(): number {
    return this.#stats[STAT_CYCLES]!;
  }

  /** Epoch ms of the end of the last cycle, or undefined before the first. */
  get lastCycleAt(): number | undefined {
    const at = this.#stats[STAT_LAST_CYCLE_END]!;
    return at > 0 ? this.#stats[STAT_TIME_ORIGIN]! + at : undefined;
  }

  /** How long the running cycle has been running, or undefined between cycles. */
  cycleRunningMs(): number | undefined {
    const started = this.#stats[STAT_CYCLE_STARTED]!;
    if (started < 0) return undefined;
    return performance.timeOrigin + performance.now() - (this.#stats[STAT_TIME_ORIGIN]! + started);
  }

  get heapUsedBytes(): number {
    return this.#stats[STAT_HEAP_USED]!;
  }

  /** Cycle durations: per-bucket counts (bounds in CYCLE_BUCKETS_S, then +Inf) and their sum in seconds. */
  durations(): { counts: number[]; sumSeconds: number } {
    const counts: number[] = [];
    for (let i = 0; i <= CYCLE_BUCKETS_S.length; i++) counts.push(this.#stats[STAT_BUCKETS + i]!);
    return { counts, sumSeconds: this.#stats[STAT_DURATION_SUM]! };
  }
}

/** A worker's stdout and stderr (started with `stdout: true, stderr: true`) as log lines: info and warn. */
export function pipeLines(worker: Worker, logger: Logger): void {
  createInterface({ input: worker.stdout, crlfDelay: Infinity }).on('line', (line) => logger.info({ stream: 'stdout' }, line));
  createInterface({ input: worker.stderr, crlfDelay: Infinity }).on('line', (line) => logger.warn({ stream: 'stderr' }, line));
}
