import { ErrorCodes, SuperloopsError } from '../errors.js';
import { checkLoopModules, type ModuleProblem } from '../loop/module-check.js';
import { ModuleCompiler } from '../loop/module-compiler.js';
import type { Manifest } from '../manifest/load.js';
import { scrubber } from '../manifest/problems.js';

export type { ModuleProblem } from '../loop/module-check.js';

/** The loop name a reset callback's problem is reported under. */
const RESET_CALLBACK = '(reset_callback)';

/**
 * The deep half of `superloopsd validate`: loads every loop module in a
 * throwaway worker (user code never runs on this thread) and checks that its
 * default export is a SuperLoop, and compiles the reset callback. Reports
 * every problem; runs no hook.
 */
export async function validateModules(manifest: Manifest): Promise<ModuleProblem[]> {
  const compiler = new ModuleCompiler();
  try {
    const checks = [checkLoopModules(manifest.loops, compiler)];
    const module = manifest.controller.resetCallback;
    if (module !== undefined) {
      checks.push(
        compiler.compile(module).then(
          () => [],
          (err: unknown) => [{ loop: RESET_CALLBACK, module, message: (err as Error).message }],
        ),
      );
    }
    return (await Promise.all(checks)).flat();
  } finally {
    compiler.dispose();
  }
}

/**
 * The one error that module problems make, for `validate` and for a rejected
 * reload alike: a header, then one line per problem where its module is
 * written (`config.yaml:12:13 loops[2].module: Name (path): message`). No value
 * from ${VAR} is shown.
 */
export function moduleProblemsError(manifest: Manifest, problems: readonly ModuleProblem[], after = ''): SuperloopsError {
  const scrub = scrubber(manifest.secrets);
  const shown = problems.map((p) => ({ ...p, module: scrub(p.module), message: scrub(p.message), ...placeOf(manifest, p.loop) }));
  const lines = shown.map((p) => `  ${p.line === undefined ? '' : `${manifest.file}:${p.line}:${p.column} ${p.path}: `}${p.loop} (${p.module}): ${p.message}`);
  return new SuperloopsError(ErrorCodes.MODULE_INVALID, [`${manifest.file}: ${problems.length} loop module problem(s)${after}`, ...lines].join('\n'), {
    details: { file: manifest.file, problems: shown },
  });
}

function placeOf(manifest: Manifest, loop: string): { path?: string; line?: number; column?: number } {
  const index = manifest.loops.findIndex((l) => l.name === loop);
  const at = index >= 0 ? manifest.at.loopModules[loop] : loop === RESET_CALLBACK ? manifest.at.resetCallback : undefined;
  return at === undefined ? {} : { path: index >= 0 ? `loops[${index}].module` : 'controller.reset_callback', line: at.line, column: at.column };
}
