import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LoopController, type StartResult, type StopResult } from 'superloops';
import { listenControl, type ControlLimits, type ControlServer } from '../../src/control/server.js';
import type { StopReport } from '../../src/control/protocol.js';
import type { ControlTarget, DaemonStatus, ReloadResult } from '../../src/control/target.js';
import { captureLogger, fixture, type LogLine } from '../helpers.js';

/**
 * A small ControlTarget over a real LoopController, standing in for the
 * daemon. It counts every state-changing call, so tests can prove that a
 * refused request never reached the controller.
 */
export interface TestTarget extends ControlTarget {
  /** Every state-changing call, as `verb` or `verb name`. */
  readonly calls: string[];
  shutdowns: number;
  /** What the next reload does (the real one is the daemon's). */
  reloadWith: () => Promise<ReloadResult>;
  /** What a shutdown resolves with, and when (the real daemon's once its loops have stopped). @default at once, every loop graceful */
  shutdownWith: () => Promise<StopReport>;
}

export function controllerTarget(controller: LoopController, socket: string, onShutdown: () => void = () => {}): TestTarget {
  const startedAt = Date.now();
  const each = async <T>(fn: (name: string) => Promise<T>): Promise<Record<string, T>> => {
    const names = controller.loops.map((l) => l.name);
    const results = await Promise.all(names.map(fn));
    return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  };
  const target: TestTarget = {
    calls: [],
    shutdowns: 0,
    reloadWith: async () => ({ added: [], removed: [], changed: [], unchanged: controller.loops.map((l) => l.name) }),
    shutdownWith: async () => ({ loops: controller.loops.length, graceful: controller.loops.length, terminated: 0, timedOut: false, exitCode: 0 }),
    status(): DaemonStatus {
      return {
        daemon: { pid: process.pid, version: 'test', startedAt, uptimeMs: Date.now() - startedAt, manifest: 'test.yaml', socket, state: 'running' },
        controller: controller.status(),
      };
    },
    async start(name): Promise<StartResult> {
      target.calls.push(`start ${name}`);
      return controller.getLoop(name).start();
    },
    startAll() {
      target.calls.push('start-all');
      return each((n) => controller.getLoop(n).start());
    },
    async stop(name): Promise<StopResult> {
      target.calls.push(`stop ${name}`);
      return controller.getLoop(name).stop();
    },
    stopAll() {
      target.calls.push('stop-all');
      return each((n) => controller.getLoop(n).stop());
    },
    async restart(name) {
      target.calls.push(`restart ${name}`);
      const loop = controller.getLoop(name);
      await loop.stop();
      return loop.start();
    },
    async hardReset(name, force) {
      target.calls.push(`hard-reset ${name}${force ? ' force' : ''}`);
      return controller.getLoop(name).hardReset({ force });
    },
    failure(name) {
      target.calls.push(`failure ${name}`);
      const loop = controller.getLoop(name);
      loop.failure();
      return { failures: loop.failures };
    },
    reset() {
      target.calls.push('reset');
      return controller.reset();
    },
    reload() {
      target.calls.push('reload');
      return target.reloadWith();
    },
    shutdown() {
      target.calls.push('shutdown');
      target.shutdowns++;
      onShutdown();
      return target.shutdownWith();
    },
  };
  return target;
}

/** What must not change when a request is refused: per loop, its state, generation, restarts and failures. */
export function loopState(controller: LoopController): Record<string, string> {
  return Object.fromEntries(controller.loops.map((l) => [l.name, `${l.state} gen ${l.generation} restarts ${l.restarts} failures ${l.failures}`]));
}

export interface Harness {
  dir: string;
  socketPath: string;
  controller: LoopController;
  target: TestTarget;
  server: ControlServer;
  lines: LogLine[];
  /** Resolves at the first target.shutdown(). */
  shutdownCalled: Promise<void>;
  close(): Promise<void>;
}

/**
 * A control server on a fresh short socket path (Unix socket paths are
 * limited to ~107 bytes), backed by a real controller running two loops:
 * `Counter` (cycles every 10 ms) and `Spinner` (generation 0 spins in
 * synchronous code forever, so only terminate() stops it; later ones cycle).
 */
export async function startHarness(
  options: { limits?: Partial<ControlLimits>; spinnerGraceMs?: number; onShutdown?: (h: Harness) => void } = {},
): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slc-'));
  const socketPath = path.join(dir, 'ctl.sock');
  const { logger, lines } = captureLogger();
  const controller = new LoopController({ logger, cacheDir: path.join(dir, 'cache') });
  controller.newLoop({ name: 'Counter', module: fixture('counts-cycles'), gracePeriodMs: 2000 });
  controller.newLoop({ name: 'Spinner', module: fixture('busy-forever'), options: { spinGenerations: 1 }, gracePeriodMs: options.spinnerGraceMs ?? 200 });
  await controller.start();
  let shutdown!: () => void;
  const shutdownCalled = new Promise<void>((resolve) => (shutdown = resolve));
  const target = controllerTarget(controller, socketPath, () => {
    options.onShutdown?.(harness);
    shutdown();
  });
  const server = await listenControl({ socketPath, target, logger, ...(options.limits ? { limits: options.limits } : {}) });
  const harness: Harness = {
    dir,
    socketPath,
    controller,
    target,
    server,
    lines,
    shutdownCalled,
    async close() {
      await server.close();
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined if it is not JSON). */
  json: any;
}

/** One HTTP request on the socket, with full control of the body and headers; no pooling. */
export function call(
  socketPath: string,
  method: string,
  urlPath: string,
  body?: string | Buffer,
  headers: http.OutgoingHttpHeaders = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Raw bytes in: connects, lets `write` send what it likes, and resolves with
 * everything the server sends until it closes the connection. A reset (the
 * server may refuse while the client still writes) ends it like a close. Fails
 * if the server has not closed the connection after `deadlineMs`.
 */
export function rawExchange(socketPath: string, write: (socket: net.Socket) => void, deadlineMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${deadlineMs} ms; it sent: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, deadlineMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('connect', () => write(socket));
  });
}
