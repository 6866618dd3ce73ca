/**
 * `superloopsd`: runs the daemon in the foreground (`start`), checks a manifest
 * (`validate`), or asks a running daemon to stop (`stop`).
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_SOCKET } from '../control/protocol.js';
import { LOG_LEVELS, type LogLevel } from '../manifest/schema.js';
import { loadManifest } from '../manifest/load.js';
import { createLogger } from '../observe/logger.js';
import { ExitCodes } from '../daemon/exit.js';
import { runDaemon } from '../daemon/main.js';
import { validateModules } from '../daemon/validate.js';
import { runSuperloops } from './ctl.js';

function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const host = at > 0 ? value.slice(0, at).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(at >= 0 ? value.slice(at + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CommanderError(2, 'superloopsd.http', `--http ${value}: expected host:port, e.g. 127.0.0.1:9464`);
  }
  return { host, port };
}

function buildProgram(): Command {
  const program = new Command('superloopsd')
    .description('Supervise long-running loops in worker threads')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('run the daemon in the foreground on a manifest')
    .argument('<manifest>', 'the YAML manifest of loops')
    .option('--pretty', 'human-readable logs (pino-pretty) instead of JSON lines')
    .addOption(new Option('--log-level <level>', 'overrides controller.log_level').choices(LOG_LEVELS))
    .option('--socket <path>', 'control socket path (overrides SUPERLOOPS_SOCKET and the manifest)')
    .option('--http <host:port>', 'serve /healthz, /readyz and /metrics here (overrides controller.http)', parseHostPort)
    .action(async (file: string, opts: { pretty?: boolean; logLevel?: LogLevel; socket?: string; http?: { host: string; port: number } }) => {
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
    .option('--socket <path>', `control socket path (default: SUPERLOOPS_SOCKET, else ${DEFAULT_SOCKET})`)
    .action(async (file: string | undefined, opts: { socket?: string }) => {
      const socket = opts.socket ?? process.env.SUPERLOOPS_SOCKET ?? (file ? (await loadManifest(file)).controller.socket : DEFAULT_SOCKET);
      // The same request, output and exit codes as `superloops ctl shutdown`.
      process.exitCode = await runSuperloops(['--socket', path.resolve(socket), '--timeout', '10000', 'ctl', 'shutdown'], {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        env: process.env,
        cwd: process.cwd(),
      });
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
    process.stderr.write(`superloopsd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(ExitCodes.CONFIG);
  }
}

void main();
