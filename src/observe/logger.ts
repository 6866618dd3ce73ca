import { pino, type Logger, type LevelWithSilent } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable lines through pino-pretty instead of JSON. */
  pretty?: boolean;
  /** @default standard output */
  fd?: number;
}

/**
 * The daemon's one logger. Writes are synchronous: a supervisor's last lines
 * (why it stopped, what it killed) must reach stdout even when it exits right
 * after, and there is one writer for every loop, so no line interleaves.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const fd = options.fd ?? 1;
  const base = { level: options.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (options.pretty) {
    // Loaded only when asked for: it is not needed for JSON output.
    const { default: pretty } = await import('pino-pretty');
    return pino(
      base,
      pretty({
        destination: fd,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        // A person reads `ApiFeedLoop_1 Started`: the thread name says the loop and its
        // generation, so those keys are not repeated under the line.
        ignore: 'pid,loop,thread,generation,resetId',
        messageFormat: prettyMessage,
      }),
    );
  }
  return pino(base, pino.destination({ dest: fd, sync: true }));
}

/**
 * `ApiFeedLoop_1 Started`, `Stopping loops (loop BadLoop) [reset 9eddbf4e]`:
 * the thread a line is about first; a loop named by a line about no thread (the
 * one that tripped a reset, the one a command named) after the message.
 */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const thread = log.thread === undefined ? '' : `${String(log.thread)} `;
  const loop = log.thread === undefined && log.loop !== undefined ? ` (loop ${String(log.loop)})` : '';
  const reset = log.resetId === undefined ? '' : ` [reset ${String(log.resetId)}]`;
  return `${thread}${String(log[messageKey] ?? '')}${loop}${reset}`;
}
