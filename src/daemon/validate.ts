import { pino } from 'pino';
import { Generation } from '../loop/generation.js';
import { ModuleCompiler } from '../loop/module-compiler.js';
import type { Manifest, ManifestLoop } from '../manifest/load.js';

export interface ModuleProblem {
  loop: string;
  module: string;
  message: string;
}

/**
 * The deep half of `superloopsd validate`: loads every loop module in a
 * throwaway worker (user code never runs on this thread) and checks that its
 * default export is a SuperLoop. Reports every problem; runs no hook.
 */
export async function validateModules(manifest: Manifest): Promise<ModuleProblem[]> {
  const compiler = new ModuleCompiler();
  try {
    const checks = [checkLoops(manifest.loops, compiler)];
    if (manifest.controller.resetCallback !== undefined) {
      const module = manifest.controller.resetCallback;
      checks.push(
        compiler.compile(module).then(
          () => [],
          (err: unknown) => [{ loop: '(reset_callback)', module, message: (err as Error).message }],
        ),
      );
    }
    return (await Promise.all(checks)).flat();
  } finally {
    compiler.dispose();
  }
}

/** The same check for some loops only: a reload checks the loops it adds or changes before it touches any. */
export async function validateLoopModules(loops: readonly ManifestLoop[]): Promise<ModuleProblem[]> {
  if (loops.length === 0) return [];
  const compiler = new ModuleCompiler();
  try {
    return await checkLoops(loops, compiler);
  } finally {
    compiler.dispose();
  }
}

async function checkLoops(loops: readonly ManifestLoop[], compiler: ModuleCompiler): Promise<ModuleProblem[]> {
  const silent = pino({ level: 'silent' });
  const checks = loops.map(async (loop): Promise<ModuleProblem | undefined> => {
    const module = String(loop.module);
    let moduleUrl: string;
    try {
      moduleUrl = await compiler.compile(module);
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
