import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

// The real daemon as a child process, for the reliability tests: what a user
// runs (`node bin/superloopsd.js start manifest.yaml`), against the build in dist/.

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const DAEMON_BIN = path.join(repo, 'bin', 'superloopsd.js');
export const CLI_BIN = path.join(repo, 'bin', 'superloops.js');

/** A parsed stdout line of the daemon (pino JSON). */
export interface LogRecord {
  level: number;
  time: string;
  msg?: string;
  loop?: string;
  generation?: number;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the 'exit' event fired. */
  at: number;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  text: string;
}

/** The daemon is built by `npm run build` (which `npm test` runs first); without it nothing here can run. */
export function assertBuilt(): void {
  if (!existsSync(path.join(repo, 'dist', 'superloopsd.js'))) {
    throw new Error('dist/superloopsd.js is missing: run `npm run build` before the reliability tests');
  }
}

/** A fresh directory under the OS temp dir, short enough for a Unix socket path; removed by `cleanup()`. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slr-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `doc` as YAML to `dir/name` and returns its path. */
export function writeManifest(dir: string, doc: unknown, name = 'manifest.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

const cleanups: (() => Promise<void>)[] = [];

/** Kills every daemon still running and removes the temp dirs (call from afterEach/afterAll). */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

export interface StartOptions {
  manifest: string;
  socket: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * One daemon process. Every stdout line is kept (raw and parsed); waits are
 * on lines and events, each with a deadline that names what it waited for.
 */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly socket: string;
  /** Every stdout line, as written. */
  readonly raw: string[] = [];
  /** The stdout lines that are JSON, parsed. */
  readonly records: LogRecord[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  /** Resolves once stdout has been read to its end. */
  readonly drained: Promise<void>;
  #waiters = new Set<{ predicate: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }>();

  private constructor(options: StartOptions) {
    this.socket = options.socket;
    this.child = spawn(process.execPath, [DAEMON_BIN, 'start', options.manifest, '--socket', options.socket, ...(options.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
    this.drained = new Promise((resolve) => {
      createInterface({ input: this.child.stdout!, crlfDelay: Infinity })
        .on('line', (line) => this.#line(line))
        .once('close', () => resolve());
    });
    const killer = async (): Promise<void> => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    };
    cleanups.push(killer);
  }

  /** Spawns the daemon; with `ready` (the default) resolves once it logged "Daemon ready", and fails if it exits first. */
  static async start(options: StartOptions & { ready?: boolean; timeoutMs?: number }): Promise<DaemonProcess> {
    assertBuilt();
    const daemon = new DaemonProcess(options);
    if (options.ready === false) return daemon;
    await Promise.race([
      daemon.waitForLine((r) => r.msg === 'Daemon ready', { timeoutMs: options.timeoutMs ?? 20_000, what: '"Daemon ready"' }),
      daemon.exited.then((exit) => {
        throw new Error(`the daemon exited (${exit.code ?? exit.signal}) before it was ready; stderr: ${daemon.stderr}`);
      }),
    ]);
    return daemon;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line, already seen or still to come, that passes `predicate`. */
  waitForLine(predicate: (r: LogRecord) => boolean, { timeoutMs = 10_000, what }: { timeoutMs?: number; what: string }): Promise<LogRecord> {
    const seen = this.records.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (r: LogRecord) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the daemon to log ${what}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** The exit, or a failure naming `what` if it has not come within `timeoutMs`. */
  exitWithin(timeoutMs: number, what = 'the daemon to exit'): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.exited.finally(() => clearTimeout(timer)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** One control request on the Unix socket (a fresh connection each). */
  request(method: string, urlPath: string, body?: unknown, { timeoutMs = 10_000, rawBody }: { timeoutMs?: number; rawBody?: string } = {}): Promise<Answer> {
    return httpRequest({ socketPath: this.socket, method, path: urlPath }, rawBody ?? (body === undefined ? undefined : JSON.stringify(body)), timeoutMs);
  }

  /** `GET /v1/status`'s result. */
  async status(): Promise<any> {
    const answer = await this.request('GET', '/v1/status');
    if (answer.status !== 200) throw new Error(`status answered ${answer.status}: ${answer.text}`);
    return answer.body.result;
  }

  /** Open file descriptors of the daemon. */
  fdCount(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  /** Pids of the daemon's child processes (its esbuild service). */
  childPids(): number[] {
    return childPidsOf(this.pid);
  }

  #line(line: string): void {
    this.raw.push(line);
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    this.records.push(record);
    for (const waiter of this.#waiters) {
      if (waiter.predicate(record)) {
        this.#waiters.delete(waiter);
        waiter.resolve(record);
      }
    }
  }
}

/** A request over TCP or a Unix socket; the body is parsed as JSON when it is JSON. */
export function httpRequest(target: http.RequestOptions, payload: string | undefined, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...target,
      agent: false,
      headers: { ...target.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${target.method} ${target.path} within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (e.g. /metrics): the text is the body.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.end(payload);
  });
}

export function childPidsOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

export function processAlive(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/** Milliseconds between two log records, by the daemon's own timestamps. */
export function msBetween(from: LogRecord, to: LogRecord): number {
  return Date.parse(to.time) - Date.parse(from.time);
}
