import type { Logger } from 'pino';
import { ErrorCodes } from '../errors.js';
import { codeOf } from '../control/error-response.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { ExitCodes, HARD_DEADLINE_EXTRA_MS } from './exit.js';

/**
 * Runs a daemon until it is told to stop, then exits the process. The only
 * place that touches signals and `process.exit`.
 *
 * SIGTERM / SIGINT / `ctl shutdown`: stop every loop gracefully within the
 * shutdown timeout, log the last line, answer the waiting `ctl shutdown`,
 * close the socket, exit 0. The socket stays open until the loops are
 * stopped: a second daemon cannot start beside old workers. A second signal
 * exits at once.
 * SIGHUP: reload the manifest.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const logger: Logger = options.logger;
  const daemon = new Daemon(options);
  let stopping = false;

  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason: why }, 'Shutting down');
    // Past the bound, exit anyway: a supervisor that cannot stop is worse than one that exits.
    const hardDeadline = setTimeout(() => {
      logger.error({ shutdownTimeoutMs: daemon.manifest.controller.shutdownTimeoutMs }, 'Shutdown took too long, exiting');
      process.exit(ExitCodes.FORCED);
    }, daemon.manifest.controller.shutdownTimeoutMs + HARD_DEADLINE_EXTRA_MS);
    hardDeadline.unref();
    const stopped = await daemon.stopLoops();
    const exitCode = stopped.timedOut && code === ExitCodes.OK ? ExitCodes.FORCED : code;
    const report = { ...stopped, exitCode };
    logger.info(report, 'Stopped');
    await daemon.release(report);
    process.exit(exitCode);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'Second signal, exiting at once');
      process.exit(ExitCodes.FORCED);
    }
    void shutdown(signal, ExitCodes.OK);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'Reload requested');
    daemon.reload().catch((err: unknown) => logger.error(rejection(err), 'Reload rejected, nothing changed'));
  });

  daemon.onShutdown = () => void shutdown('ctl shutdown', ExitCodes.OK);
  daemon.controller.on('gaveUp', () => void shutdown('controller gave up', ExitCodes.GAVE_UP));
  daemon.controller.on('loopAdded', ({ loop }) => watchUnkillable(loop));
  for (const loop of daemon.controller.loops) watchUnkillable(loop);
  function watchUnkillable(loop: import('../loop/loop.js').Loop): void {
    loop.on('unkillable', () => void shutdown(`worker of ${loop.name} cannot be killed`, ExitCodes.UNKILLABLE));
  }

  await daemon.open();
}

/** Errors a user made (or a shutdown under way): their code, message and problems, no stack. */
const EXPECTED = new Set<string>([ErrorCodes.CONFIG_INVALID, ErrorCodes.CONFIG_UNREADABLE, ErrorCodes.MODULE_INVALID, ErrorCodes.CONTROLLER_STOPPED]);

/** The fields of `Reload rejected, nothing changed`: `{ code, reason, file?, problems? }`, or `{ err }` for a bug. */
function rejection(err: unknown): Record<string, unknown> {
  const code = codeOf(err);
  if (code === undefined || !EXPECTED.has(code)) return { err };
  const details = (err as { details?: { file?: unknown; problems?: unknown } }).details;
  return {
    code,
    reason: (err as Error).message,
    ...(details?.file === undefined ? {} : { file: details.file }),
    ...(details?.problems === undefined ? {} : { problems: details.problems }),
  };
}
