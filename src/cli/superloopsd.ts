/**
 * `superloopsd`: runs the daemon in the foreground (`start`), checks a manifest
 * (`validate`), or asks a running daemon to stop (`stop`).
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SOCKET } from '../control/protocol.js';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { socketDirectoryKeyProblem, socketDirectoryProblem, socketLengthProblem } from '../manifest/checks.js';
import { LOG_LEVELS, type LogLevel } from '../manifest/schema.js';
import { loadManifest, type Manifest } from '../manifest/load.js';
import { manifestError } from '../manifest/problems.js';
import { createLogger } from '../observe/logger.js';
import { ExitCodes } from '../daemon/exit.js';
import { runDaemon } from '../daemon/main.js';
import { moduleProblemsError, validateModules } from '../daemon/validate.js';
import { runSuperloops } from './ctl.js';
import { VERSION } from '../version.js';

function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const host = at > 0 ? value.slice(0, at).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(at >= 0 ? value.slice(at + 1) : value);
  if (value.slice(at + 1).trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    // commander prints it, naming the option and the value, and exits 2 (see main()).
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:9464');
  }
  return { host, port };
}

/**
 * The socket `start` will listen on, checked at the door: an override from
 * `--socket` or SUPERLOOPS_SOCKET by the same rules as the manifest's
 * `controller.socket` (length, an existing directory), in a message naming
 * where it came from; else the manifest's, whose directory check is reported
 * at its key (file:line:col). Throws before anything is started.
 */
function checkSocket(manifest: Manifest, override: { value: string; from: string } | undefined): string | undefined {
  if (override === undefined) {
    const problem = socketDirectoryKeyProblem(manifest);
    if (problem) throw manifestError(manifest.file, manifest.file, [problem], manifest.secrets);
    return undefined;
  }
  const resolved = path.resolve(override.value);
  const why = socketLengthProblem(resolved) ?? socketDirectoryProblem(resolved);
  if (why !== undefined) {
    throw new SuperloopsError(
      ErrorCodes.CONFIG_INVALID,
      `${override.from} ${override.value}${resolved === override.value ? '' : ` (${resolved})`}: ${why}; fix ${override.from} or leave it unset to use the manifest's controller.socket`,
      { details: { [override.from]: override.value, path: resolved } },
    );
  }
  return resolved;
}

function buildProgram(): Command {
  const program = new Command('superloopsd')
    .description('Supervise long-running loops in worker threads')
    .version(VERSION, '-V, --version', 'print the version and exit')
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
      const env = process.env.SUPERLOOPS_SOCKET;
      const override = opts.socket !== undefined ? { value: opts.socket, from: '--socket' } : env ? { value: env, from: 'SUPERLOOPS_SOCKET' } : undefined;
      const socket = checkSocket(manifest, override);
      const logger = await createLogger({ level: opts.logLevel ?? manifest.controller.logLevel, pretty: opts.pretty === true });
      await runDaemon({
        manifest,
        logger,
        ...(socket ? { socket } : {}),
        ...(opts.http ? { http: opts.http } : {}),
      });
    });

  program
    .command('validate')
    .description('check a manifest and load each loop module in a throwaway worker; exit 0 when all is well')
    .argument('<manifest>', 'the YAML manifest of loops')
    .action(async (file: string) => {
      const manifest = await loadManifest(file);
      const socket = socketDirectoryKeyProblem(manifest);
      if (socket && !process.env.SUPERLOOPS_SOCKET) {
        // A note, not a failure: the directory may be a volume that exists only where the daemon runs.
        process.stderr.write(`${manifest.file}:${socket.line}:${socket.column} note: ${socket.path}: ${socket.message}; superloopsd start needs it there (or --socket)\n`);
      }
      const problems = await validateModules(manifest);
      if (problems.length > 0) {
        process.stderr.write(`${moduleProblemsError(manifest, problems).message}\n`);
        process.exitCode = ExitCodes.CONFIG;
        return;
      }
      process.stdout.write(`${manifest.file}: ok, ${manifest.loops.length} loop(s): ${manifest.loops.map((l) => l.name).join(', ')}\n`);
    });

  program
    .command('stop')
    .description('ask the daemon on the control socket to shut down gracefully; returns once its loops have stopped')
    .argument('[manifest]', 'read the socket path from this manifest')
    .option('--socket <path>', `control socket path (default: SUPERLOOPS_SOCKET, else ${DEFAULT_SOCKET})`)
    .option('--timeout <ms>', 'give up waiting after this long (exit 1; the daemon may still be stopping)', '120000')
    .action(async (file: string | undefined, opts: { socket?: string; timeout: string }) => {
      const socket = opts.socket ?? process.env.SUPERLOOPS_SOCKET ?? (file ? (await loadManifest(file)).controller.socket : DEFAULT_SOCKET);
      // The same request, output and exit codes as `superloops ctl shutdown`.
      process.exitCode = await runSuperloops(['--socket', path.resolve(socket), '--timeout', opts.timeout, 'ctl', 'shutdown'], {
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
