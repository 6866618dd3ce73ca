import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ModuleCompiler } from '../loop/module-compiler.js';
import type { TaskData, TaskMessage } from '../worker/task-runner.js';

const TASK_RUNNER = fileURLToPath(new URL('./task-runner.js', import.meta.url));

/**
 * The manifest's `reset_callback` as a controller callback: each call runs the
 * module's default export in a fresh worker, and kills that worker if it runs
 * past `timeoutMs`, so a stuck callback neither blocks the daemon nor lingers.
 */
export function resetCallbackFromModule(
  source: string,
  options: { compiler: ModuleCompiler; logger: Logger; timeoutMs: number },
): (reset: { resetId: string; loops: string[] }) => Promise<void> {
  return async (reset) => {
    const moduleUrl = await options.compiler.compile(source);
    const log = options.logger.child({ resetId: reset.resetId, thread: 'reset_callback' });
    const worker = new Worker(TASK_RUNNER, {
      workerData: { moduleUrl, source, argument: reset } satisfies TaskData,
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
    });
    createInterface({ input: worker.stdout }).on('line', (line) => log.info({ stream: 'stdout' }, line));
    createInterface({ input: worker.stderr }).on('line', (line) => log.warn({ stream: 'stderr' }, line));
    let outcome: TaskMessage | undefined;
    worker.on('message', (message: TaskMessage) => (outcome = message));
    let crash: unknown;
    worker.on('error', (err) => (crash = err));
    const timer = setTimeout(() => void worker.terminate(), options.timeoutMs);
    await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    clearTimeout(timer);
    if (outcome?.type === 'done') return;
    if (outcome?.type === 'error') throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name, stack: outcome.error.stack });
    if (crash !== undefined) throw crash;
    throw new Error(`reset callback ${source} did not finish within ${options.timeoutMs} ms and was terminated`);
  };
}
