import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ResetResult } from '../controller/controller.js';
import type { StartResult, StopResult } from '../loop/loop.js';
import { request } from '../control/client.js';
import { DEFAULT_SOCKET, LOOP_NAME_PATTERN, LOOP_NAME_RULE, type ErrorBody, type FailureResult, type ShutdownResult } from '../control/protocol.js';
import type { DaemonStatus, ReloadResult } from '../control/target.js';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { describeEach, describeFailure, describeReload, describeReset, describeShutdown, describeStart, describeStop, formatStatus } from './format.js';
import { VERSION } from '../version.js';

// The `superloops` program. It loads commander, the socket client and the
// formatting, nothing else: `superloops ctl status` must start fast.

export const ExitCode = {
  /** The daemon did it. */
  OK: 0,
  /** The daemon refused (unknown loop, gave up …) or the command did not work out (a loop did not start). */
  REFUSED: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** No daemon answers at the socket. */
  NO_DAEMON: 3,
} as const;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Relative socket paths resolve from here. */
  cwd: string;
}

/** Runs `superloops` with `argv` (the arguments after the program name); resolves with the exit code. */
export async function runSuperloops(argv: string[], io: CliIo): Promise<number> {
  const state = { exitCode: ExitCode.OK as number };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    throw err;
  }
  return state.exitCode;
}

interface GlobalOptions {
  socket: string;
  timeout: number;
  json?: boolean;
}

function buildProgram(io: CliIo, state: { exitCode: number }): Command {
  const program = new Command('superloops')
    .description('Control a running superloopsd over its Unix socket.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)')
    // Every verb's --help also shows --socket and --timeout.
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      // The environment is read here, not with Option.env(), so tests can pass their own.
      new Option('--socket <path>', 'the control socket of the daemon [env: SUPERLOOPS_SOCKET]').default(
        io.env.SUPERLOOPS_SOCKET ?? DEFAULT_SOCKET,
      ),
    )
    .addOption(
      new Option('--timeout <ms>', 'give up waiting for the daemon after this long (a stop may wait out grace periods)')
        .argParser(positiveInteger)
        .default(120_000),
    );

  const ctl = program
    .command('ctl')
    .description('send a command to the daemon')
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 refused by the daemon (or a loop did not start); 2 usage error; 3 no daemon at the socket.',
    );

  /** Sends one request; prints and sets the exit code for anything but a 2xx, whose result it returns. */
  const call = async (cmd: Command, method: string, urlPath: string, body?: unknown): Promise<{ result: unknown } | undefined> => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const socketPath = path.resolve(io.cwd, opts.socket);
    let response;
    try {
      response = await request(socketPath, method, urlPath, body, { timeoutMs: opts.timeout });
    } catch (err) {
      if (!(err instanceof SuperloopsError)) throw err;
      // With --json a script reads one shape for every refusal, the daemon's or ours.
      if (opts.json) io.out(`${JSON.stringify({ error: { code: err.code, message: err.message } } satisfies ErrorBody, null, 2)}\n`);
      else io.err(`superloops: ${err.message}\n`);
      state.exitCode = err.code === ErrorCodes.NO_DAEMON ? ExitCode.NO_DAEMON : ExitCode.REFUSED;
      return undefined;
    }
    if (response.status >= 200 && response.status < 300 && isObject(response.body) && 'result' in response.body) {
      return { result: response.body.result };
    }
    const error = (response.body as Partial<ErrorBody>).error;
    if (opts.json) io.out(`${JSON.stringify(response.body, null, 2)}\n`);
    else io.err(`superloops: ${error?.message ?? `the daemon answered HTTP ${response.status}`}${error?.code ? ` (${error.code})` : ''}\n`);
    state.exitCode = ExitCode.REFUSED;
    return undefined;
  };

  /** Prints a result as JSON with --json, else as the human line(s). */
  const print = (cmd: Command, result: unknown, human: () => string): void => {
    io.out(cmd.optsWithGlobals<GlobalOptions>().json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
  };

  const notStarted = (results: StartResult[]): void => {
    if (results.some((r) => !r.started)) state.exitCode = ExitCode.REFUSED;
  };

  const verb = (name: string, description: string): Command =>
    ctl.command(name).description(description).option('--json', 'print the daemon\'s answer as JSON');

  verb('status', 'show the daemon and every loop: state, thread, generation, uptime, cycles, failures, restarts, memory').action(
    async (_opts: unknown, cmd: Command) => {
      const answer = await call(cmd, 'GET', '/v1/status');
      if (answer) print(cmd, answer.result, () => formatStatus(answer.result as DaemonStatus).trimEnd());
    },
  );

  /** Sends `action` for one loop and prints its StartResult: start, restart and hard-reset answer with one. */
  const startOne = async (cmd: Command, name: string | undefined, action: string, done: string, body?: unknown): Promise<void> => {
    const loop = checkName(cmd, name);
    const answer = await call(cmd, 'POST', loopPath(loop, action), body);
    if (!answer) return;
    const result = answer.result as StartResult;
    print(cmd, result, () => describeStart(loop, result, done));
    notStarted([result]);
  };

  /** Whether `--all` was asked for; a name and --all together is a usage error. */
  const all = (cmd: Command, name: string | undefined, opts: { all?: boolean }): boolean => {
    if (opts.all === true && name !== undefined) cmd.error('error: give a loop name or --all, not both', usage);
    return opts.all === true;
  };

  verb('start', 'start one loop, or every loop with --all')
    .argument('[name]', 'the loop')
    .option('--all', 'start every loop')
    .action(async (name: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      if (!all(cmd, name, opts)) return startOne(cmd, name, 'start', 'started');
      const answer = await call(cmd, 'POST', '/v1/loops/start');
      if (!answer) return;
      const results = answer.result as Record<string, StartResult>;
      print(cmd, results, () => describeEach(results, (n, r) => describeStart(n, r, 'started')));
      notStarted(Object.values(results));
    });

  verb('stop', 'stop one loop, or every loop with --all')
    .argument('[name]', 'the loop')
    .option('--all', 'stop every loop')
    .action(async (name: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      if (all(cmd, name, opts)) {
        const answer = await call(cmd, 'POST', '/v1/loops/stop');
        const results = answer?.result as Record<string, StopResult> | undefined;
        if (results) print(cmd, results, () => describeEach(results, describeStop));
        return;
      }
      const loop = checkName(cmd, name);
      const answer = await call(cmd, 'POST', loopPath(loop, 'stop'));
      if (answer) print(cmd, answer.result, () => describeStop(loop, answer.result as StopResult));
    });

  verb('restart', 'stop a loop gracefully, then start its next generation')
    .argument('<name>', 'the loop')
    .action((name: string, _opts: unknown, cmd: Command) => startOne(cmd, name, 'restart', 'restarted'));

  verb('hard-reset', 'stop a loop\'s generation (gracefully, or at once with --force) and start the next')
    .argument('<name>', 'the loop')
    .option('--force', 'terminate the worker at once instead of waiting out its grace period')
    .action((name: string, opts: { force?: boolean }, cmd: Command) =>
      startOne(cmd, name, 'hard-reset', 'hard reset', opts.force === true ? { force: true } : undefined),
    );

  verb('failure', 'record one failure against a loop (to rehearse the failure budget and global reset)')
    .argument('<name>', 'the loop')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const loop = checkName(cmd, name);
      const answer = await call(cmd, 'POST', loopPath(loop, 'failure'));
      if (answer) print(cmd, answer.result, () => describeFailure(loop, answer.result as FailureResult));
    });

  verb('reset', 'run a global reset: stop every resetGlobally loop, run the reset callback, start them again').action(
    async (_opts: unknown, cmd: Command) => {
      const answer = await call(cmd, 'POST', '/v1/reset');
      if (answer) print(cmd, answer.result, () => describeReset(answer.result as ResetResult));
    },
  );

  verb('reload', 'reread the manifest: start added loops, stop removed ones, restart changed ones').action(async (_opts: unknown, cmd: Command) => {
    const answer = await call(cmd, 'POST', '/v1/reload');
    if (answer) print(cmd, answer.result, () => describeReload(answer.result as ReloadResult));
  });

  verb('shutdown', 'stop every loop and the daemon; returns once every loop has stopped')
    .option('--no-wait', 'return as soon as the shutdown has begun')
    .addHelpText(
      'after',
      '\nExit codes: 0 every loop stopped (with --no-wait: the shutdown began); 1 refused, no answer within --timeout (the daemon may still be stopping), or the stop went past shutdown_timeout; 3 no daemon at the socket.',
    )
    .action(async (opts: { wait: boolean }, cmd: Command) => {
      const answer = await call(cmd, 'POST', '/v1/shutdown', opts.wait ? { wait: true } : undefined);
      if (!answer) return;
      const result = answer.result as ShutdownResult;
      print(cmd, result, () => describeShutdown(result));
      if (result.stopped?.timedOut) state.exitCode = ExitCode.REFUSED;
    });

  return program;
}

const usage = { exitCode: ExitCode.USAGE, code: 'superloops.usage' };

/** A missing or malformed loop name is a usage error (exit 2), caught before any request. */
function checkName(cmd: Command, name: string | undefined): string {
  if (name === undefined) cmd.error('error: missing loop name (or pass --all)', usage);
  if (!LOOP_NAME_PATTERN.test(name)) cmd.error(`error: ${JSON.stringify(name)} is not a valid loop name: a loop name is ${LOOP_NAME_RULE}`, usage);
  return name;
}

const loopPath = (name: string, action: string): string => `/v1/loops/${encodeURIComponent(name)}/${action}`;

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number of milliseconds');
  return n;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
