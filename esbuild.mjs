// Builds dist/: the library entry, the light entry loop modules import, the
// worker runners and the two CLIs. Dependencies stay external (installed with
// the package); shared code is split into chunks beside the entries, so every
// entry and chunk sits in dist/ and `new URL('./runner.js', import.meta.url)`
// finds the runner from any of them.
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: {
    index: 'src/index.ts',
    loop: 'src/worker/public.ts',
    runner: 'src/worker/runner.ts',
    'task-runner': 'src/worker/task-runner.ts',
    superloopsd: 'src/cli/superloopsd.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});

// The ctl client: one self-contained CommonJS file, its few dependencies bundled in,
// because loading a chain of ES modules costs more than the whole round trip.
await build({
  entryPoints: ['src/cli/superloops.ts'],
  outfile: 'dist/superloops.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
});

// The manifest's JSON Schema for editors (generated from the zod schema by `npm run schema`).
copyFileSync('schema/manifest.schema.json', 'dist/manifest.schema.json');

// Type declarations for library users (the bundles carry none).
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
}
