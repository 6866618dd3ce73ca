import { pino } from 'pino';
import { Generation } from './generation.js';
import type { ModuleCompiler } from './module-compiler.js';
import type { LoopSpec } from './options.js';

export interface ModuleProblem {
  loop: string;
  module: string;
  message: string;
}

/**
 * Loads each loop's module in a throwaway worker (user code never runs on this
 * thread) and checks that its default export is a SuperLoop; runs no hook.
 * Reports every problem. Built with `compiler`, so a loop started with the
 * same compiler afterwards reuses the build.
 */
export async function checkLoopModules(loops: readonly LoopSpec[], compiler: ModuleCompiler): Promise<ModuleProblem[]> {
  const silent = pino({ level: 'silent' });
  const checks = loops.map(async (loop): Promise<ModuleProblem | undefined> => {
    const module = String(loop.module);
    let moduleUrl: string;
    try {
      moduleUrl = await compiler.compile(loop.module);
    } catch (err) {
      return { loop: loop.name, module, message: (err as Error).message };
    }
    const generation = new Generation(
      { name: loop.name, number: 0, moduleUrl, source: module, options: loop.options, startArgs: [], memoryLimitMb: loop.memoryLimitMb, logger: silent, checkOnly: true },
      { onFailure: () => {}, onHookError: () => {}, onSelfStop: () => {}, onExit: () => {} },
    );
    await generation.ready;
    const exit = await generation.exited;
    if (generation.loadError) return { loop: loop.name, module, message: generation.loadError.message };
    if (exit.code !== 0 || exit.error) return { loop: loop.name, module, message: exit.error?.message ?? `its worker exited with code ${exit.code} while loading` };
    return undefined;
  });
  return (await Promise.all(checks)).filter((p): p is ModuleProblem => p !== undefined);
}
