import type { LogLevel, RunnerMessage } from './protocol.js';
import { toErrorRecord } from './protocol.js';

type LogMethod = {
  (msg: string): void;
  (obj: object, msg?: string): void;
};

/** The pino-style logger a loop sees as `this.logger`. */
export interface LoopLogger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
}

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * Log records travel as messages to the supervisor's single pino: measured on
 * these machines, nothing posted before a terminate() or an out-of-memory end
 * is lost, where a pino or console.log inside the worker loses thousands.
 * Lines below the supervisor's level are dropped here, before they cost a message.
 */
export function createLoopLogger(post: (message: RunnerMessage) => void, level: LogLevel | 'silent'): LoopLogger {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const method = (lvl: LogLevel): LogMethod =>
    ((first: unknown, second?: unknown) => {
      if (LEVELS[lvl] < min) return;
      let obj: Record<string, unknown> | undefined;
      let msg: string | undefined;
      if (typeof first === 'string') {
        msg = first;
      } else if (first instanceof Error) {
        obj = { err: toErrorRecord(first) };
        msg = typeof second === 'string' ? second : first.message;
      } else if (first !== null && typeof first === 'object') {
        obj = { ...(first as Record<string, unknown>) };
        if (obj.err instanceof Error) obj.err = toErrorRecord(obj.err);
        msg = typeof second === 'string' ? second : undefined;
      } else {
        msg = String(first);
      }
      try {
        post({ type: 'log', level: lvl, obj, msg });
      } catch {
        // Functions, symbols or class instances cannot be cloned: send what JSON can say of them.
        post({ type: 'log', level: lvl, obj: jsonSafe(obj), msg });
      }
    }) as LogMethod;
  return {
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
  };
}

function jsonSafe(obj: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (obj === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}
