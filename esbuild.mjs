// Builds dist/: the library entry, the light entry loop modules import, the
// worker runners and the two CLIs. Dependencies stay external (installed with
// the package). Every entry and chunk sits in dist/, so
// `new URL('./runner.js', import.meta.url)` finds the runner from any of them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });

// The version every bundle reports (src/version.ts), read here once instead of at every start.
const define = { SUPERLOOPS_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) };

const common = {
  define,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { index: 'src/index.ts', superloopsd: 'src/cli/superloopsd.ts' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
});

// What runs in every worker: each one file with nothing shared, because every
// extra ES module a worker loads is an extra file read and compile at every
// start (a global reset of 100 loops starts 100 workers). Copies of the
// SuperLoop class are told apart by brand (Symbol.for), not by identity.
await build({
  ...common,
  entryPoints: { loop: 'src/worker/public.ts', runner: 'src/worker/runner.ts', 'task-runner': 'src/worker/task-runner.ts' },
});

// The ctl client: one self-contained CommonJS file, its few dependencies bundled in,
// because loading a chain of ES modules costs more than the whole round trip.
await build({
  entryPoints: ['src/cli/superloops.ts'],
  outfile: 'dist/superloops.cjs',
  define,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  plugins: [lazyChildProcess()],
});

/**
 * commander requires node:child_process at load, for executable subcommands,
 * which ctl has none of; that load is a tenth of `ctl status`. Hand commander
 * a stand-in that loads the real module on first use.
 */
function lazyChildProcess() {
  return {
    name: 'lazy-child-process',
    setup(b) {
      b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
        args.namespace === 'lazy' ? undefined : { path: 'child_process', namespace: 'lazy' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
        contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
        loader: 'js',
      }));
    },
  };
}

// Type declarations for library users (the bundles carry none).
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
}
