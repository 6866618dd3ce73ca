import type { Logger } from 'pino';
import { LoopController, type ResetResult } from '../controller/controller.js';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import type { Loop, StartResult, StopResult } from '../loop/loop.js';
import { ModuleCompiler } from '../loop/module-compiler.js';
import { Serial } from '../loop/serial.js';
import { loadManifest, type Manifest, type ManifestLoop } from '../manifest/load.js';
import type { StopReport } from '../control/protocol.js';
import type { ControlTarget, DaemonStatus, ReloadResult } from '../control/target.js';
import { listenControl, type ControlServer } from '../control/server.js';
import { listenHttp } from '../observe/http-server.js';
import { diffLoops } from './diff.js';
import { ExitCodes } from './exit.js';
import { rereadFailure } from './reread-failure.js';
import { resetCallbackFromModule } from './reset-callback.js';
import { moduleProblemsError } from './validate.js';
import { VERSION } from '../version.js';


export interface DaemonOptions {
  manifest: Manifest;
  logger: Logger;
  /** Overrides the manifest's socket. */
  socket?: string;
  /** Overrides the manifest's `controller.http`. */
  http?: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
}

export type DaemonStopReport = Omit<StopReport, 'exitCode'>;

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
  /** Set once a shutdown begins, never cleared: from then on only status and shutdown are served. */
  #stopping = false;
  #onShutdown: (() => void) | undefined;
  /** Resolved by release(), just before the socket closes: what waiting `shutdown` requests answer with. */
  readonly #stopped: { promise: Promise<StopReport>; resolve: (report: StopReport) => void };

  constructor(options: DaemonOptions) {
    this.#manifest = options.manifest;
    this.logger = options.logger;
    this.#env = options.env ?? process.env;
    this.#httpOverride = options.http;
    this.socketPath = options.socket ?? options.manifest.controller.socket;
    let resolve!: (report: StopReport) => void;
    this.#stopped = { promise: new Promise((r) => (resolve = r)), resolve };
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
    this.#control = await listenControl({
      socketPath: this.socketPath,
      socketGroup: this.#manifest.controller.socketGroup,
      target: this,
      logger: this.logger,
    });
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
   * The first half of a shutdown: refuses further commands, then stops every
   * loop in parallel (each within its grace period), bounded as a whole by
   * `shutdown_timeout`. The control socket stays open meanwhile: `status` says
   * `stopping`, and a second daemon on the same socket is refused. It waits for
   * a reload under way to finish first (they share one queue), so a reload
   * cannot start loops behind it. Never throws.
   */
  async stopLoops(): Promise<DaemonStopReport> {
    this.#stopping = true;
    const timeoutMs = this.#manifest.controller.shutdownTimeoutMs;
    let graceful = 0;
    let terminated = 0;
    let loops = this.controller.loops;
    const onStopped = ({ graceful: g }: { graceful: boolean }): void => {
      if (g) graceful++;
      else terminated++;
    };
    const stop = this.#reloads.run(async () => {
      loops = this.controller.loops;
      for (const loop of loops) loop.on('stopped', onStopped);
      await this.controller.stop();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      stop.then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, true))),
    ]);
    clearTimeout(timer);
    for (const loop of loops) loop.off('stopped', onStopped);
    // The health listener goes with the loops, so that its closing line comes before `Stopped`, the last one.
    await this.#http?.close().catch(() => {});
    this.#http = undefined;
    return { loops: loops.length, graceful, terminated, timedOut };
  }

  /**
   * The second half, after stopLoops(): answers the `shutdown` requests waiting
   * on `report`, then closes the control socket (removing its file). Never throws.
   */
  async release(report: StopReport): Promise<void> {
    this.#stopped.resolve(report);
    await this.#control?.close().catch(() => {});
    this.#callbackCompiler?.dispose();
  }

  /** stopLoops() then release(), for a daemon run without runDaemon(). */
  async close(): Promise<StopReport> {
    const stopped = await this.stopLoops();
    const report = { ...stopped, exitCode: stopped.timedOut ? ExitCodes.FORCED : ExitCodes.OK };
    await this.release(report);
    return report;
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

  async start(name: string): Promise<StartResult> {
    return this.#loop(name).start();
  }

  async startAll(): Promise<Record<string, StartResult>> {
    return this.#each((l) => l.start());
  }

  async stop(name: string): Promise<StopResult> {
    return this.#loop(name).stop();
  }

  async stopAll(): Promise<Record<string, StopResult>> {
    return this.#each((l) => l.stop());
  }

  async restart(name: string): Promise<StartResult> {
    return this.#loop(name).hardReset({ force: false });
  }

  async hardReset(name: string, force: boolean): Promise<StartResult> {
    return this.#loop(name).hardReset({ force });
  }

  failure(name: string): { failures: number } {
    const loop = this.#loop(name);
    loop.failure();
    return { failures: loop.failures };
  }

  async reset(): Promise<ResetResult> {
    this.#assertRunning();
    return this.controller.reset({ reason: 'requested' });
  }

  /**
   * Re-reads the manifest and applies the difference: new loops start, removed
   * loops stop, changed loops restart with their new settings (and a fresh
   * copy of their module), unchanged loops are not touched. A changed loop is
   * a new loop: generation 0, counters at zero. The `controller:` section is
   * not applied (it takes a restart). Rejected whole, with nothing changed, when
   * the manifest cannot be read or is invalid, or when an added or changed
   * loop's module does not load (each is loaded in a throwaway worker first).
   * One reload at a time.
   */
  async reload(): Promise<ReloadResult> {
    // Refused here, not only in the queue: a shutdown's stop waits in that queue.
    this.#assertRunning();
    return this.#reloads.run(async () => {
      this.#assertRunning();
      const next = await loadManifest(this.#manifest.file, this.#env).catch((err: unknown) => {
        throw rereadFailure(err, this.#manifest.file);
      });
      const diff = diffLoops(this.#manifest.loops, next.loops);
      // The controller's compiler: the loops that start below reuse these builds.
      const problems = await this.controller.checkModules([...diff.changed, ...diff.added]);
      if (problems.length > 0) throw moduleProblemsError(next, problems, '; nothing was changed — fix them, then reload again');
      // Loading the modules took a while: a shutdown may have begun meanwhile.
      this.#assertRunning();
      const log = this.logger.child({ reload: true });
      // Removed and changed loops stop together: one grace period, not two.
      await Promise.all([...diff.removed, ...diff.changed.map((spec) => spec.name)].map((name) => this.controller.removeLoop(name)));
      const fresh = [...diff.changed, ...diff.added].map((spec) => this.controller.newLoop(spec));
      await Promise.all(fresh.filter((l) => (l.spec as ManifestLoop).autostart).map((l) => l.start()));
      const controllerIgnored = !sameController(this.#manifest, next);
      if (controllerIgnored) {
        log.warn('Controller settings changed; they take effect when the daemon restarts');
      }
      this.#manifest = { ...next, controller: this.#manifest.controller };
      const result: ReloadResult = {
        added: diff.added.map((l) => l.name),
        removed: diff.removed,
        changed: diff.changed.map((l) => l.name),
        unchanged: diff.unchanged,
        ...(controllerIgnored ? { controllerIgnored: true as const } : {}),
      };
      log.info(result, 'Reloaded');
      return result;
    });
  }

  shutdown(): Promise<StopReport> {
    if (this.#onShutdown) this.#onShutdown();
    else if (!this.#stopping) void this.close();
    return this.#stopped.promise;
  }

  #assertRunning(): void {
    if (this.#stopping) {
      throw new SuperloopsError(
        ErrorCodes.CONTROLLER_STOPPED,
        'the daemon is shutting down and takes no more commands; wait for it to exit (superloops ctl status says stopping until then), then start it again',
      );
    }
  }

  #loop(name: string): Loop {
    this.#assertRunning();
    return this.controller.getLoop(name);
  }

  async #each<T>(command: (loop: Loop) => Promise<T>): Promise<Record<string, T>> {
    this.#assertRunning();
    const loops = this.controller.loops;
    const results = await Promise.all(loops.map(command));
    return Object.fromEntries(loops.map((l, i) => [l.name, results[i]!]));
  }
}

function sameController(a: Manifest, b: Manifest): boolean {
  return JSON.stringify(a.controller) === JSON.stringify(b.controller);
}
