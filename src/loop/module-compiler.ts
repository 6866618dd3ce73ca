import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { ErrorCodes, SuperloopsError } from '../errors.js';

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** The light entry that loop modules get for `import … from 'superloops'`: the SuperLoop class the runner checks for. */
const LOOP_ENTRY = fileURLToPath(new URL('./loop.js', import.meta.url));

interface Compiled {
  file: string;
  /** Every local file bundled in, with its mtime, to notice edits. */
  inputs: Map<string, number>;
}

/**
 * Turns a loop module (.ts, .mts, .js, .mjs) into one ESM file a worker can
 * import on Node 20, which cannot load TypeScript by itself.
 *
 * esbuild bundles the module with its local imports; packages stay external,
 * but each is resolved to an absolute path first, so the output can live in a
 * private temp directory instead of beside the user's code (which may be
 * read-only, as in a container). `superloops` is bundled in from this package's
 * own loop entry (a few hundred bytes): one file less for every worker to load
 * at each start. The runner knows a SuperLoop by its brand, not by identity.
 *
 * The build runs in esbuild's own process: no user code runs here. Results are
 * reused until one of the module's files changes, so a hard reset after an edit
 * loads the new code.
 */
export class ModuleCompiler {
  readonly dir: string;
  #cache = new Map<string, Compiled>();
  /** Builds under way, by source: loops sharing one module wait for one build. */
  #building = new Map<string, Promise<string>>();

  constructor(dir?: string) {
    if (dir === undefined) sweepAbandonedDirsOnce();
    this.dir = dir ?? mkdtempSync(path.join(tmpdir(), `superloops-${process.pid}-`));
  }

  /** Returns the file: URL of the compiled module. Throws SL_ERR_MODULE_INVALID with the reason. */
  async compile(module: string | URL): Promise<string> {
    const source = toPath(module);
    const ext = path.extname(source);
    if (!EXTENSIONS.has(ext)) {
      throw invalid(source, `its extension "${ext}" is not one of .ts, .mts, .js, .mjs`);
    }
    if (!existsSync(source)) {
      throw invalid(source, 'the file does not exist; check the module path (relative paths are resolved from the manifest)');
    }
    const cached = this.#cache.get(source);
    if (cached !== undefined && unchanged(cached)) return pathToFileURL(cached.file).href;
    let build = this.#building.get(source);
    if (build === undefined) {
      build = this.#build(source, ext).finally(() => this.#building.delete(source));
      this.#building.set(source, build);
    }
    return build;
  }

  async #build(source: string, ext: string): Promise<string> {
    const esbuild = await service.start();
    let result;
    try {
      result = await esbuild.build({
        entryPoints: [source],
        bundle: true,
        write: false,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        // Stack traces need the mappings only; the sources would double what every worker decodes at each start.
        sourcesContent: false,
        metafile: true,
        logLevel: 'silent',
        plugins: [externalPackages(), localMeta()],
      });
    } catch (err) {
      const messages = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors;
      const detail = messages?.length
        ? messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join('; ')
        : String(err);
      throw invalid(source, `it does not compile: ${detail}`, err);
    } finally {
      service.done();
    }
    const text = result.outputFiles[0]!.text;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const file = path.join(this.dir, `${path.basename(source, ext)}-${hash}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 }); // again, after a dispose()
      writeFileSync(file, text, { mode: 0o600 });
    }
    const inputs = new Map<string, number>();
    for (const input of Object.keys(result.metafile.inputs)) {
      const abs = path.resolve(input);
      try {
        inputs.set(abs, statSync(abs).mtimeMs);
      } catch {
        // A virtual input; nothing to watch.
      }
    }
    this.#cache.set(source, { file, inputs });
    return pathToFileURL(file).href;
  }

  /** Removes the compiled files; a later compile() starts afresh. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
    this.#cache.clear();
  }
}

/**
 * esbuild keeps one service process for the whole of this process, and it pings
 * us every second; an idle daemon must cost nothing, so it is stopped a moment
 * after the last build of any compiler. The next build starts it again (about
 * 100 ms, only when a module changed). The count is shared because stopping the
 * service kills every build in progress, whichever compiler started it.
 */
const service = {
  esbuild: undefined as Promise<typeof import('esbuild')> | undefined,
  builds: 0,
  idleTimer: undefined as NodeJS.Timeout | undefined,
  async start(): Promise<typeof import('esbuild')> {
    clearTimeout(this.idleTimer);
    this.builds++;
    return (this.esbuild ??= import('esbuild'));
  },
  done(): void {
    if (--this.builds > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.builds === 0) void this.esbuild?.then((esbuild) => esbuild.stop());
    }, 1000);
    this.idleTimer.unref();
  },
};

let swept = false;

/** Removes, once per process, the compile directories of processes that died without cleaning up (a SIGKILLed daemon). */
function sweepAbandonedDirsOnce(): void {
  if (swept) return;
  swept = true;
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^superloops-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function toPath(module: string | URL): string {
  if (module instanceof URL || module.startsWith('file:')) return fileURLToPath(module);
  return path.resolve(module);
}

function unchanged(compiled: Compiled): boolean {
  for (const [file, mtime] of compiled.inputs) {
    try {
      if (statSync(file).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function invalid(source: string, why: string, cause?: unknown): SuperloopsError {
  return new SuperloopsError(ErrorCodes.MODULE_INVALID, `cannot load loop module ${source}: ${why}`, {
    cause,
    details: { module: source },
  });
}

/** Bare imports stay external but point at the exact file Node would load from the user's directory. */
function externalPackages(): Plugin {
  return {
    name: 'superloops-external-packages',
    setup(build) {
      build.onResolve({ filter: /^superloops(\/loop)?$/ }, () => ({ path: LOOP_ENTRY }));
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        // Builtins (fs, path …) come back as external with their bare name.
        return { path: resolved.path, external: true };
      });
    },
  };
}

/** `import.meta.url` and friends keep meaning the user's source file, not the bundle in the temp directory. */
function localMeta(): Plugin {
  return {
    name: 'superloops-local-meta',
    setup(build) {
      build.onLoad({ filter: /\.[mc]?[jt]s$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const contents = text
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)));
        const ext = path.extname(args.path);
        return { contents, loader: ext === '.ts' || ext === '.mts' || ext === '.cts' ? 'ts' : 'js' };
      });
    },
  };
}
