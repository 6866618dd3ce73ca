/**
 * The message shapes and shared-memory layout between a loop's handle (main
 * thread) and its runner (worker thread). Both sides import this file and
 * nothing else of each other: it is the whole contract of the thread boundary.
 */
import type { MessagePort } from 'node:worker_threads';

/** Int32 control words, written by the main thread, read by the worker between cycles. */
export const CTL_STOP = 0; // 1 = a stop was requested: finish the current cycle and end
export const CTL_LOGS_WRITTEN = 1; // log lines of this worker the supervisor has written (wraps at 2^32)
export const CTL_WORDS = 2;

/**
 * How many log lines a worker may have sent and the supervisor not yet written.
 * Past it the worker's logger waits: a loop logging faster than stdout takes
 * lines would otherwise grow the supervisor's queue without bound and keep its
 * thread busy draining it, deaf to signals and commands.
 */
export const LOG_BACKLOG_MAX = 2048;

/**
 * Float64 statistics, written only by the worker (one writer, so plain stores
 * suffice) and read by the main thread when it needs them: no message per cycle.
 */
export const STAT_CYCLES = 0; // completed cycles of this generation
export const STAT_LAST_CYCLE_END = 1; // worker performance.now() at the end of the last cycle
export const STAT_CYCLE_STARTED = 2; // performance.now() when the running cycle began; -1 between cycles
export const STAT_TIME_ORIGIN = 3; // the worker's performance.timeOrigin, to turn its clock into epoch ms
export const STAT_DURATION_SUM = 4; // seconds spent in cycles
export const STAT_HEAP_USED = 5; // bytes of the worker's JS heap in use, sampled when the driver yields
export const STAT_BUCKETS = 6; // first of the cycle-duration histogram counters (not cumulative)

/** Upper bounds (seconds) of the cycle-duration histogram; a last bucket counts the rest. */
export const CYCLE_BUCKETS_S = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60] as const;
export const STAT_WORDS = STAT_BUCKETS + CYCLE_BUCKETS_S.length + 1;

/** What a worker is given at birth. */
export interface RunnerData {
  name: string;
  generation: number;
  /** file: URL of the compiled loop module. */
  moduleUrl: string;
  /** The source file the user wrote, for error messages. */
  source: string;
  options: unknown;
  /** Arguments for onStart. */
  startArgs: unknown[];
  ctl: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  /** The protocol's port (transferred): RunnerMessage out, HandleMessage in. Not parentPort, which user code can reach. */
  port: MessagePort;
  /** The supervisor's log level: lines below it are not sent at all. */
  logLevel: LogLevel | 'silent';
  /** When true, the runner only checks that the module loads and exports a SuperLoop, then ends. */
  checkOnly?: boolean;
}

/** An error as it crosses the thread boundary: plain data, whatever was thrown. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type HookName = 'onStart' | 'onThreadStart' | 'onThreadStop' | 'onStop';

export type FailureKind = 'reported' | 'cycle-error' | 'crash' | 'oom' | 'exit' | 'watchdog' | 'thread-start';

/** Worker → main. */
export type RunnerMessage =
  | { type: 'loaded' }
  | { type: 'load-error'; error: ErrorRecord }
  | { type: 'vetoed' }
  | { type: 'started' }
  | { type: 'hook-error'; hook: HookName; error: ErrorRecord }
  | { type: 'failure'; kind: 'reported' | 'cycle-error' | 'thread-start'; error?: ErrorRecord }
  | { type: 'log'; level: LogLevel; obj: Record<string, unknown> | undefined; msg: string | undefined }
  | { type: 'stop-self' }
  | { type: 'stopped' };

const LOG_LEVEL_SET: ReadonlySet<string> = new Set(LOG_LEVELS);
const HOOK_NAMES: ReadonlySet<string> = new Set<HookName>(['onStart', 'onThreadStart', 'onThreadStop', 'onStop']);
const WORKER_FAILURE_KINDS: ReadonlySet<string> = new Set(['reported', 'cycle-error', 'thread-start']);

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function isErrorRecord(value: unknown): value is ErrorRecord {
  return isObject(value) && typeof value.name === 'string' && typeof value.message === 'string' && isOptionalString(value.stack) && isOptionalString(value.code);
}

/**
 * Is `message` one of the RunnerMessage shapes? The main thread checks each
 * message against this whitelist before acting on it: a message that is not the
 * protocol must be ignored, never thrown on, in the supervisor's thread.
 */
export function isRunnerMessage(message: unknown): message is RunnerMessage {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'loaded':
    case 'vetoed':
    case 'started':
    case 'stop-self':
    case 'stopped':
      return true;
    case 'load-error':
      return isErrorRecord(message.error);
    case 'hook-error':
      return typeof message.hook === 'string' && HOOK_NAMES.has(message.hook) && isErrorRecord(message.error);
    case 'failure':
      return typeof message.kind === 'string' && WORKER_FAILURE_KINDS.has(message.kind) && (message.error === undefined || isErrorRecord(message.error));
    case 'log':
      return (
        typeof message.level === 'string' &&
        LOG_LEVEL_SET.has(message.level) &&
        (message.obj === undefined || isObject(message.obj)) &&
        isOptionalString(message.msg)
      );
    default:
      return false;
  }
}

/** Main → worker. */
export type HandleMessage = { type: 'stop'; args: unknown[] };

export function toErrorRecord(err: unknown): ErrorRecord {
  if (err instanceof Error) {
    const record: ErrorRecord = { name: err.name, message: err.message };
    if (err.stack !== undefined) record.stack = err.stack;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') record.code = code;
    return record;
  }
  if (typeof err === 'string') return { name: 'Error', message: err };
  let message: string;
  try {
    message = JSON.stringify(err) ?? String(err);
  } catch {
    message = String(err);
  }
  return { name: 'NonError', message: `a non-Error value was thrown: ${message}` };
}
