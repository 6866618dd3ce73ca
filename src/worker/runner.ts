/**
 * The entry of every loop's worker thread. It imports the user's module, runs
 * the hooks and drives the cycles. It imports nothing of the supervisor side:
 * only the protocol, the SuperLoop base class and the logger shim.
 *
 * An exception or rejection that escapes the user's code outside `cycle()` is
 * deliberately not caught here: it ends the worker, and the handle on the main
 * thread sees the 'error' and 'exit' events and counts a crash.
 */
import { workerData } from 'node:worker_threads';
import {
  CTL_LOGS_WRITTEN,
  CTL_STOP,
  LOG_BACKLOG_MAX,
  CYCLE_BUCKETS_S,
  STAT_BUCKETS,
  STAT_CYCLES,
  STAT_CYCLE_STARTED,
  STAT_DURATION_SUM,
  STAT_HEAP_USED,
  STAT_LAST_CYCLE_END,
  STAT_TIME_ORIGIN,
  toErrorRecord,
  type ErrorRecord,
  type HandleMessage,
  type HookName,
  type RunnerData,
  type RunnerMessage,
} from './protocol.js';
import { CONTEXT_SLOT, isSuperLoopClass, type LoopContext, type SuperLoop } from './super-loop.js';
import { createLoopLogger } from './loop-logger.js';

/** Yield to the event loop after this many cycles, or this many ms, whichever comes first. */
const YIELD_EVERY_CYCLES = 1024;
const YIELD_EVERY_MS = 20;
/** Cycles faster than this are timed in batches of FAST_BATCH. */
const FAST_CYCLE_MS = 0.02;
const FAST_BATCH = 64;
/** How often the worker's heap use is written for the supervisor. */
const HEAP_SAMPLE_MS = 5000;
/** The longest pause after consecutive failed cycles. */
const MAX_FAILED_CYCLE_PAUSE_MS = 1000;
const BUCKET_LIMITS_MS = CYCLE_BUCKETS_S.map((s) => s * 1000);

const data = workerData as RunnerData;
// The protocol's own port, not parentPort (which user code can import and post on).
// Taken out of workerData before the user's module is imported, so it cannot reach it.
const port = data.port;
delete (data as Partial<RunnerData>).port;
const ctl = new Int32Array(data.ctl);
const stats = new Float64Array(data.stats);
const post = (message: RunnerMessage): void => port.postMessage(message);

const abort = new AbortController();
let selfStopped = false;
let resolveStopArgs!: (args: unknown[]) => void;
const stopArgs = new Promise<unknown[]>((resolve) => (resolveStopArgs = resolve));

port.on('message', (message: HandleMessage) => {
  if (message.type === 'stop') {
    abort.abort();
    resolveStopArgs(message.args);
  }
});

/** Wakers of the sleeps in progress: a stop wakes them all (cheaper than an abort listener per sleep). */
const sleepers = new Set<() => void>();
abort.signal.addEventListener('abort', () => {
  for (const wake of sleepers) wake();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (abort.signal.aborted) return resolve();
    // The timer's own path does not clear the timer it fired from (clearTimeout
    // of a fired timer still runs Node's unenroll): only a stop's wake does.
    const timer = setTimeout(() => {
      sleepers.delete(wake);
      resolve();
    }, ms);
    const wake = (): void => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    sleepers.add(wake);
  });
}

let logsPosted = 0;
/** Posts a log record, first waiting (bounded, and not once a stop is asked) while the supervisor is too far behind. */
function postLog(message: RunnerMessage): void {
  for (;;) {
    const written = Atomics.load(ctl, CTL_LOGS_WRITTEN);
    if (((logsPosted - written) | 0) < LOG_BACKLOG_MAX || stopRequested()) break;
    Atomics.wait(ctl, CTL_LOGS_WRITTEN, written, 100);
  }
  post(message);
  logsPosted = (logsPosted + 1) | 0;
}

const context: LoopContext = {
  name: data.name,
  generation: data.generation,
  threadName: `${data.name}_${data.generation}`,
  // A loop without options in its spec still gets an object, so `this.options.x` never throws.
  options: data.options ?? {},
  logger: createLoopLogger(postLog, data.logLevel),
  signal: abort.signal,
  failure: () => post({ type: 'failure', kind: 'reported' }),
  stop: () => {
    if (selfStopped) return;
    selfStopped = true;
    abort.abort();
    resolveStopArgs([]);
    post({ type: 'stop-self' });
  },
  sleep,
};

/**
 * Ends the worker on purpose. The port is left open: messages posted before it
 * stay queued on the supervisor's end, which takes them all at 'exit'.
 */
function end(): never {
  process.exit(0);
}

/** A load error names the file the user wrote: what import() threw names at most the compiled bundle. */
function namingSource(error: ErrorRecord): ErrorRecord {
  return error.message.includes(data.source) ? error : { ...error, message: `${data.source}: ${error.message}` };
}

async function load(): Promise<SuperLoop> {
  let mod: { default?: unknown };
  try {
    // Source maps for the user's module only (its stack traces then name their .ts lines);
    // enabling them for the whole worker makes every start read the runtime's maps too.
    process.setSourceMapsEnabled(true);
    mod = (await import(data.moduleUrl)) as { default?: unknown };
  } catch (err) {
    post({ type: 'load-error', error: namingSource(toErrorRecord(err)) });
    return end();
  }
  const LoopClass = mod.default;
  if (!isSuperLoopClass(LoopClass)) {
    const found = LoopClass === undefined ? 'no default export' : `a default export of type ${typeof LoopClass}`;
    post({
      type: 'load-error',
      error: {
        name: 'TypeError',
        message: `${data.source} has ${found}; its default export must be a class that extends SuperLoop (import { SuperLoop } from 'superloops')`,
      },
    });
    return end();
  }
  if (data.checkOnly) {
    post({ type: 'loaded' });
    return end();
  }
  (globalThis as Record<symbol, unknown>)[CONTEXT_SLOT] = context;
  try {
    return new LoopClass();
  } catch (err) {
    post({ type: 'load-error', error: namingSource(toErrorRecord(err)) });
    return end();
  }
}

async function hook(loop: SuperLoop, name: HookName, args: unknown[] = []): Promise<{ ok: boolean; value?: unknown }> {
  try {
    const fn = loop[name] as (...a: unknown[]) => unknown;
    return { ok: true, value: await fn.apply(loop, args) };
  } catch (err) {
    post({ type: 'hook-error', hook: name, error: toErrorRecord(err) });
    return { ok: false };
  }
}

function stopRequested(): boolean {
  return selfStopped || Atomics.load(ctl, CTL_STOP) !== 0;
}

/**
 * The cycle driver. It checks the stop flag every cycle without yielding on every
 * cycle (an `await setImmediate` per cycle is 50× slower), awaits only what is a
 * promise, and keeps its statistics in shared memory instead of messages.
 *
 * Reading the clock costs more than an empty cycle, so cycles that take under
 * FAST_CYCLE_MS are timed in batches of up to FAST_BATCH: each batch's cycles
 * are counted at its average duration (the sum stays exact). Slower cycles are
 * timed one by one.
 *
 * The event loop must turn now and then (timers, the stop message, `signal`,
 * log flushing). A cycle that awaited a timer or I/O has turned it already:
 * the loop's idle time (which grows only while it waits in poll) says so, read
 * once per YIELD_EVERY_CYCLES cycles or YIELD_EVERY_MS, and then no yield is
 * needed. Only a loop that has not let it turn since the last check yields.
 * (Reading the idle time replaced an immediate armed every turn: an idle loop
 * that wakes once a second then runs one event-loop turn per wake, not two,
 * 2–14 % less CPU with 20 idle loops, measured side by side: see BENCHMARKS.md.)
 */
async function drive(loop: SuperLoop): Promise<void> {
  const cycle = loop.cycle.bind(loop);
  // Plain locals, mirrored into shared memory: this thread is the only writer.
  let cycles = 0;
  let durationSum = 0;
  let failedInARow = 0;
  const bucketCounts = new Array<number>(BUCKET_LIMITS_MS.length + 1).fill(0);
  let started = performance.now(); // start of the cycles not yet counted
  let pending = 0; // cycles run since `started`
  let batch = 1;
  let sinceYield = 0;
  let lastYield = started;
  let lastHeapSample = started;
  // Grows only while the event loop waits in its poll phase: if it has grown, the loop has turned.
  const timing = performance.nodeTiming;
  let idleSeen = timing.idleTime;

  /** Counts the `pending` cycles run since `started` as ended at `now`. */
  const count = (now: number): void => {
    const elapsedMs = now - started;
    const averageMs = elapsedMs / pending;
    let bucket = 0;
    while (bucket < BUCKET_LIMITS_MS.length && averageMs > BUCKET_LIMITS_MS[bucket]!) bucket++;
    bucketCounts[bucket]! += pending;
    stats[STAT_BUCKETS + bucket] = bucketCounts[bucket]!;
    stats[STAT_CYCLES] = cycles += pending;
    stats[STAT_DURATION_SUM] = durationSum += elapsedMs / 1000;
    stats[STAT_LAST_CYCLE_END] = now;
    sinceYield += pending;
    pending = 0;
    batch = averageMs < FAST_CYCLE_MS ? FAST_BATCH : 1;
    if (now - lastHeapSample >= HEAP_SAMPLE_MS) {
      stats[STAT_HEAP_USED] = process.memoryUsage().heapUsed;
      lastHeapSample = now;
    }
  };
  /** Waits off the clock: not cycle time, and the watchdog sees no cycle running meanwhile. The event loop turns. */
  const offClock = async (wait: Promise<void>): Promise<void> => {
    stats[STAT_CYCLE_STARTED] = -1;
    await wait;
    started = performance.now();
    stats[STAT_CYCLE_STARTED] = started;
    sinceYield = 0;
    lastYield = started;
  };

  stats[STAT_CYCLE_STARTED] = started;
  while (!stopRequested()) {
    let failed = false;
    try {
      const result = cycle() as unknown;
      if (result !== null && typeof result === 'object' && typeof (result as Promise<void>).then === 'function') await result;
      failedInARow = 0;
    } catch (err) {
      post({ type: 'failure', kind: 'cycle-error', error: toErrorRecord(err) });
      failed = true;
    }
    if (++pending < batch && !failed) continue;

    const now = performance.now();
    count(now);
    if (failed) {
      // A cycle that fails at once every time would otherwise send failures as fast as
      // the CPU allows and bury the supervisor: wait 1 ms, 2, 4 … up to 1 s between them.
      await offClock(sleep(Math.min(MAX_FAILED_CYCLE_PAUSE_MS, 2 ** failedInARow++)));
      continue;
    }
    if (sinceYield >= YIELD_EVERY_CYCLES || now - lastYield >= YIELD_EVERY_MS) {
      const idle = timing.idleTime;
      if (idle !== idleSeen) {
        // The cycles since the last check waited on a timer or I/O: the loop turned, no yield needed.
        idleSeen = idle;
        sinceYield = 0;
        lastYield = now;
      } else {
        await offClock(new Promise<void>((resolve) => setImmediate(resolve)));
        continue;
      }
    }
    started = now;
    stats[STAT_CYCLE_STARTED] = started;
  }
  // The cycles of a batch cut short by the stop count too.
  if (pending > 0) count(performance.now());
  stats[STAT_CYCLE_STARTED] = -1;
}

async function main(): Promise<void> {
  stats[STAT_TIME_ORIGIN] = performance.timeOrigin;
  stats[STAT_CYCLE_STARTED] = -1;
  // process.memoryUsage(), not node:v8's getHeapStatistics(): loading node:v8
  // costs every worker 2–3 ms of CPU at start (measured on 100 at once).
  stats[STAT_HEAP_USED] = process.memoryUsage().heapUsed;
  const loop = await load();

  const started = await hook(loop, 'onStart', data.startArgs);
  if (started.ok && started.value === false) {
    post({ type: 'vetoed' });
    return end();
  }
  const threadStarted = await hook(loop, 'onThreadStart');
  if (!threadStarted.ok) {
    post({ type: 'failure', kind: 'thread-start' });
    return end();
  }
  post({ type: 'started' });
  await drive(loop);

  await hook(loop, 'onStop', await stopArgs);
  await hook(loop, 'onThreadStop');
  post({ type: 'stopped' });
  end();
}

void main();
