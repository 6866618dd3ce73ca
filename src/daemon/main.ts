import type { Logger } from 'pino';
import { Daemon, type DaemonOptions } from './daemon.js';
import { ExitCodes, HARD_DEADLINE_EXTRA_MS } from './exit.js';

/**
 * Runs a daemon until it is told to stop, then exits the process. The only
 * place that touches signals and `process.exit`.
 *
 * SIGTERM / SIGINT / `ctl shutdown`: stop every loop gracefully within the
 * shutdown timeout, log the last line, exit 0. A second signal exits at once.
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
    const report = await daemon.close();
    const exitCode = report.timedOut && code === ExitCodes.OK ? ExitCodes.FORCED : code;
    logger.info({ ...report, exitCode }, 'Stopped');
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
    daemon.reload().catch((err: unknown) => logger.error({ err }, 'Reload rejected, nothing changed'));
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
