import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { promisify } from 'node:util';
import type { LogLine } from '../helpers.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const daemonBin = path.join(repoRoot, 'bin/superloopsd.js');
const ctlBin = path.join(repoRoot, 'bin/superloops.js');
const execFileAsync = promisify(execFile);

/** A temp directory with a manifest in it; module paths in the YAML may use FIXTURES. */
export function writeManifest(yaml: string, dir = mkdtempSync(path.join(tmpdir(), 'sl-'))): { dir: string; file: string; socket: string } {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml.replaceAll('FIXTURES', path.join(repoRoot, 'test/fixtures')));
  return { dir, file, socket: path.join(dir, 'superloops.sock') };
}

/** The real daemon as a child process, with its stdout parsed line by line. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters = new Set<() => void>();

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [daemonBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line) this.lines.push(JSON.parse(line) as LogLine);
      }
      for (const wake of this.#waiters) wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    // 'close', not 'exit': by then stdout is read to its end, so the last line is in `lines`.
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** The first log line matching, waiting for it up to `timeoutMs`. */
  waitForLine(match: (line: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`daemon exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; stderr: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  ready(): Promise<LogLine> {
    return this.waitForLine((l) => l.msg === 'Daemon ready', 'the ready line');
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** Runs a CLI as a child process; never throws on a non-zero exit. */
export async function run(bin: 'superloops' | 'superloopsd', args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin === 'superloops' ? ctlBin : daemonBin, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const ctl = (socket: string, ...args: string[]): ReturnType<typeof run> => run('superloops', ['ctl', ...args, '--socket', socket]);

/** One raw request on the control socket: the HTTP status and the parsed body. */
export function call(socket: string, method: string, urlPath: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: urlPath, method }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Daemons started by a test file, stopped (SIGTERM) after each test. */
export class Daemons {
  readonly #running: DaemonProcess[] = [];

  start(file: string, ...extra: string[]): DaemonProcess {
    const daemon = new DaemonProcess(['start', file, ...extra]);
    this.#running.push(daemon);
    return daemon;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#running.splice(0).map((d) => d.stop()));
  }
}
