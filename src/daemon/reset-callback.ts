import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ResetCallback } from '../controller/controller.js';
import { pipeLines } from '../loop/generation.js';
import type { ModuleCompiler } from '../loop/module-compiler.js';
import type { TaskData, TaskMessage } from '../worker/task-runner.js';

const TASK_RUNNER = fileURLToPath(new URL('./task-runner.js', import.meta.url));

/**
 * The manifest's `reset_callback` as a controller callback: each call runs the
 * module's default export in a fresh worker, which is killed when the
 * controller gives up on it (`signal`, at its callback timeout), so a stuck
 * callback neither blocks the daemon nor lingers.
 */
export function resetCallbackFromModule(source: string, options: { compiler: ModuleCompiler; logger: Logger }): ResetCallback {
  return async ({ resetId, loops, signal }) => {
    const moduleUrl = await options.compiler.compile(source);
    if (signal.aborted) return;
    const log = options.logger.child({ resetId, thread: 'reset_callback' });
    const worker = new Worker(TASK_RUNNER, {
      workerData: { moduleUrl, source, argument: { resetId, loops } } satisfies TaskData,
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
    });
    pipeLines(worker, log);
    let outcome: TaskMessage | undefined;
    worker.on('message', (message: TaskMessage) => (outcome = message));
    let crash: unknown;
    worker.on('error', (err) => (crash = err));
    const kill = (): void => void worker.terminate();
    signal.addEventListener('abort', kill, { once: true });
    await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    signal.removeEventListener('abort', kill);
    if (outcome?.type === 'done') return;
    if (outcome?.type === 'error') throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name, stack: outcome.error.stack });
    if (crash !== undefined) throw crash;
    // Terminated on the controller's timeout: the controller has reported that already.
  };
}
