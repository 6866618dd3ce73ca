/**
 * `superloopsd`: runs the daemon in the foreground (`start`), checks a manifest
 * (`validate`), or asks a running daemon to stop (`stop`).
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isSuperloopsError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import { createLogger } from '../observe/logger.js';
import { runDaemon, ExitCodes } from '../daemon/main.js';
import { validateModules } from '../daemon/validate.js';
import { request } from '../control/client.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const host = at > 0 ? value.slice(0, at).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(at >= 0 ? value.slice(at + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CommanderError(2, 'superloopsd.http', `--http ${value}: expected host:port, e.g. 127.0.0.1:9464`);
  }
  return { host, port };
}

export function buildProgram(): Command {
  const program = new Command('superloopsd')
    .description('Supervise long-running loops in worker threads')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('run the daemon in the foreground on a manifest')
    .argument('<manifest>', 'the YAML manifest of loops')
    .option('--pretty', 'human-readable logs (pino-pretty) instead of JSON lines')
    .addOption(new Option('--log-level <level>', 'overrides controller.log_level').choices(LEVELS))
    .option('--socket <path>', 'control socket path (overrides SUPERLOOPS_SOCKET and the manifest)')
    .option('--http <host:port>', 'serve /healthz, /readyz and /metrics here (overrides controller.http)', parseHostPort)
    .action(async (file: string, opts: { pretty?: boolean; logLevel?: (typeof LEVELS)[number]; socket?: string; http?: { host: string; port: number } }) => {
      const manifest = await loadManifest(file);
      const socket = opts.socket ?? process.env.SUPERLOOPS_SOCKET;
      const logger = await createLogger({ level: opts.logLevel ?? manifest.controller.logLevel, pretty: opts.pretty === true });
      await runDaemon({
        manifest,
        logger,
        ...(socket ? { socket: path.resolve(socket) } : {}),
        ...(opts.http ? { http: opts.http } : {}),
      });
    });

  program
    .command('validate')
    .description('check a manifest and load each loop module in a throwaway worker; exit 0 when all is well')
    .argument('<manifest>', 'the YAML manifest of loops')
    .action(async (file: string) => {
      const manifest = await loadManifest(file);
      const problems = await validateModules(manifest);
      if (problems.length > 0) {
        process.stderr.write(`${manifest.file}: ${problems.length} loop module problem(s)\n`);
        for (const p of problems) process.stderr.write(`  ${p.loop} (${p.module}): ${p.message}\n`);
        process.exitCode = ExitCodes.CONFIG;
        return;
      }
      process.stdout.write(`${manifest.file}: ok, ${manifest.loops.length} loop(s): ${manifest.loops.map((l) => l.name).join(', ')}\n`);
    });

  program
    .command('stop')
    .description('ask the daemon on the control socket to shut down gracefully')
    .argument('[manifest]', 'read the socket path from this manifest')
    .option('--socket <path>', 'control socket path (default: SUPERLOOPS_SOCKET, else ./superloops.sock)')
    .action(async (file: string | undefined, opts: { socket?: string }) => {
      const socket = path.resolve(
        opts.socket ?? process.env.SUPERLOOPS_SOCKET ?? (file ? (await loadManifest(file)).controller.socket : './superloops.sock'),
      );
      const response = await request(socket, 'POST', '/v1/shutdown', undefined, { timeoutMs: 10_000 });
      if (response.status >= 400) {
        const body = response.body as { error?: { message?: string } };
        throw new Error(body.error?.message ?? `the daemon answered ${response.status}`);
      }
      process.stdout.write(`superloopsd at ${socket} is shutting down\n`);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed the usage error (or the help) already.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    // Errors users can act on are printed as they are: no stack trace.
    const message = isSuperloopsError(err) || err instanceof Error ? err.message : String(err);
    process.stderr.write(`superloopsd: ${message}\n`);
    process.exit(isSuperloopsError(err, 'SL_ERR_NO_DAEMON') ? 3 : ExitCodes.CONFIG);
  }
}

void main();
