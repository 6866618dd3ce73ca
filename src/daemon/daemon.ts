import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { LoopController, type ResetResult } from '../controller/controller.js';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import type { Loop, StartResult, StopResult } from '../loop/loop.js';
import { ModuleCompiler } from '../loop/module-compiler.js';
import { Serial } from '../loop/serial.js';
import { loadManifest, type Manifest, type ManifestLoop } from '../manifest/load.js';
import type { ControlTarget, DaemonStatus, ReloadResult } from '../control/target.js';
import { listenControl, type ControlServer } from '../control/server.js';
import { listenHttp } from '../observe/http-server.js';
import { diffLoops } from './diff.js';
import { resetCallbackFromModule } from './reset-callback.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface DaemonOptions {
  manifest: Manifest;
  logger: Logger;
  /** Overrides the manifest's socket. */
  socket?: string;
  /** Overrides the manifest's `controller.http`. */
  http?: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
}

export interface DaemonStopReport {
  loops: number;
  graceful: number;
  terminated: number;
  timedOut: boolean;
}

/**
 * The composition root: a manifest in, a supervised set of loops, a control
 * socket and an optional health listener out. Everything here is wiring; the
 * policy lives in the controller and the loops. It never exits the process:
 * that is the caller's (src/daemon/main.ts), which owns signals.
 */
export class Daemon implements ControlTarget {
  readonly controller: LoopController;
  readonly logger: Logger;
  readonly socketPath: string;
  readonly startedAt = Date.now();
  #manifest: Manifest;
  readonly #env: NodeJS.ProcessEnv;
  readonly #httpOverride: DaemonOptions['http'];
  /** Compiles the reset callback, if there is one (the loops' modules are the controller's). */
  readonly #callbackCompiler: ModuleCompiler | undefined;
  readonly #reloads = new Serial();
  #control: ControlServer | undefined;
  #http: { close(): Promise<void>; port: number; host: string } | undefined;
  #stopping = false;
  #onShutdown: (() => void) | undefined;

  constructor(options: DaemonOptions) {
    this.#manifest = options.manifest;
    this.logger = options.logger;
    this.#env = options.env ?? process.env;
    this.#httpOverride = options.http;
    this.socketPath = options.socket ?? options.manifest.controller.socket;
    const c = options.manifest.controller;
    this.#callbackCompiler = c.resetCallback === undefined ? undefined : new ModuleCompiler();
    const resetCallback = c.resetCallback && this.#callbackCompiler && resetCallbackFromModule(c.resetCallback, { compiler: this.#callbackCompiler, logger: this.logger });
    this.controller = new LoopController({
      logger: this.logger,
      maxResets: c.maxResets,
      resetWindowMs: c.resetWindowMs,
      resetCallbackTimeoutMs: c.resetCallbackTimeoutMs,
      ...(resetCallback ? { resetCallback } : {}),
    });
    for (const spec of options.manifest.loops) this.controller.newLoop(spec);
  }

  get manifest(): Manifest {
    return this.#manifest;
  }

  /** The HTTP listener's address, when there is one. */
  get httpAddress(): { host: string; port: number } | undefined {
    return this.#http && { host: this.#http.host, port: this.#http.port };
  }

  /** Called once when a client asks for a shutdown (the caller decides how to exit). */
  set onShutdown(handler: () => void) {
    this.#onShutdown = handler;
  }

  /** Opens the control socket (refusing a live one), the health listener, and starts the autostart loops. */
  async open(): Promise<void> {
    this.#control = await listenControl({ socketPath: this.socketPath, target: this, logger: this.logger });
    const http = this.#httpOverride ?? this.#manifest.controller.http;
    if (http) {
      try {
        this.#http = await listenHttp({ ...http, controller: this.controller, logger: this.logger });
      } catch (err) {
        await this.#control.close();
        throw new SuperloopsError(
          ErrorCodes.LISTEN_FAILED,
          `cannot serve /healthz, /readyz and /metrics on ${http.host}:${http.port}: ${(err as Error).message}; pick another controller.http or --http`,
          { cause: err },
        );
      }
    }
    await this.controller.start();
    this.logger.info(
      {
        manifest: this.#manifest.file,
        socket: this.socketPath,
        http: this.httpAddress,
        loops: this.controller.loops.map((l) => l.name),
        version: VERSION,
      },
      'Daemon ready',
    );
  }

  /**
   * Stops every loop in parallel (each within its grace period), bounded as a
   * whole by `shutdown_timeout`; closes the listeners. Never throws.
   */
  async close(): Promise<DaemonStopReport> {
    this.#stopping = true;
    const loops = this.controller.loops;
    const timeoutMs = this.#manifest.controller.shutdownTimeoutMs;
    let graceful = 0;
    let terminated = 0;
    const onStopped = ({ graceful: g }: { graceful: boolean }): void => {
      if (g) graceful++;
      else terminated++;
    };
    for (const loop of loops) loop.on('stopped', onStopped);
    await this.#control?.close().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.controller.stop().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, true))),
    ]);
    clearTimeout(timer);
    for (const loop of loops) loop.off('stopped', onStopped);
    await this.#http?.close().catch(() => {});
    this.#callbackCompiler?.dispose();
    return { loops: loops.length, graceful, terminated, timedOut };
  }

  // ── ControlTarget ────────────────────────────────────────────────────────

  status(): DaemonStatus {
    return {
      daemon: {
        pid: process.pid,
        version: VERSION,
        startedAt: this.startedAt,
        uptimeMs: Date.now() - this.startedAt,
        manifest: this.#manifest.file,
        socket: this.socketPath,
        state: this.#stopping ? 'stopping' : 'running',
      },
      controller: this.controller.status(),
    };
  }

  start(name: string): Promise<StartResult> {
    return this.#loop(name).start();
  }

  async startAll(): Promise<Record<string, StartResult>> {
    return this.#each((l) => l.start());
  }

  stop(name: string): Promise<StopResult> {
    return this.#loop(name).stop();
  }

  async stopAll(): Promise<Record<string, StopResult>> {
    return this.#each((l) => l.stop());
  }

  async restart(name: string): Promise<StartResult> {
    return this.#loop(name).hardReset({ force: false });
  }

  hardReset(name: string, force: boolean): Promise<StartResult> {
    return this.#loop(name).hardReset({ force });
  }

  failure(name: string): { failures: number } {
    const loop = this.#loop(name);
    loop.failure();
    return { failures: loop.failures };
  }

  reset(): Promise<ResetResult> {
    return this.controller.reset({ reason: 'requested' });
  }

  /**
   * Re-reads the manifest and applies the difference: new loops start, removed
   * loops stop, changed loops restart with their new settings (and a fresh
   * copy of their module), unchanged loops are not touched. An invalid
   * manifest throws its errors and nothing changes. One reload at a time.
   */
  reload(): Promise<ReloadResult> {
    return this.#reloads.run(async () => {
      const next = await loadManifest(this.#manifest.file, this.#env);
      const diff = diffLoops(this.#manifest.loops, next.loops);
      const log = this.logger.child({ reload: true });
      // Removed and changed loops stop together: one grace period, not two.
      await Promise.all([...diff.removed, ...diff.changed.map((spec) => spec.name)].map((name) => this.controller.removeLoop(name)));
      const fresh = [...diff.changed, ...diff.added].map((spec) => this.controller.newLoop(spec));
      await Promise.all(fresh.filter((l) => (l.spec as ManifestLoop).autostart).map((l) => l.start()));
      if (!sameController(this.#manifest, next)) {
        log.warn('Controller settings changed; they take effect when the daemon restarts');
      }
      this.#manifest = { ...next, controller: this.#manifest.controller };
      const result: ReloadResult = {
        added: diff.added.map((l) => l.name),
        removed: diff.removed,
        changed: diff.changed.map((l) => l.name),
        unchanged: diff.unchanged,
      };
      log.info(result, 'Reloaded');
      return result;
    });
  }

  shutdown(): void {
    this.#onShutdown?.();
  }

  #loop(name: string): Loop {
    return this.controller.getLoop(name);
  }

  async #each<T>(command: (loop: Loop) => Promise<T>): Promise<Record<string, T>> {
    const loops = this.controller.loops;
    const results = await Promise.all(loops.map(command));
    return Object.fromEntries(loops.map((l, i) => [l.name, results[i]!]));
  }
}

function sameController(a: Manifest, b: Manifest): boolean {
  return JSON.stringify(a.controller) === JSON.stringify(b.controller);
}
