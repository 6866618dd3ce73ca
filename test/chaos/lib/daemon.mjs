import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';

/**
 * The daemon under test as a child process: `node bin/superloopsd.js start`,
 * its stdout read line by line (every line is kept in `logFile` and handed to
 * the listeners, parsed), its stderr collected.
 */
export class DaemonProcess {
  #listeners = new Set();
  #waiters = new Set();

  constructor({ bin, manifest, socket, logFile, args = [], env = process.env, nice = 0 }) {
    // With `nice`, the daemon and its workers yield the CPU to the soak that measures them: on two
    // cores, twenty workers booting at once would otherwise delay the soak's own status requests.
    const command = [process.execPath, bin, 'start', manifest, '--socket', socket, ...args];
    this.child = spawn(nice ? 'nice' : command[0], nice ? ['-n', String(nice), ...command] : command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    this.pid = this.child.pid;
    this.socket = socket;
    this.lastLine = undefined;
    this.stderr = '';
    this.log = createWriteStream(logFile);
    this.child.stderr.setEncoding('utf8').on('data', (text) => (this.stderr += text));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
    // Resolves once stdout has been read to its end, after the exit: every line has been seen.
    this.drained = new Promise((resolve) => {
      createInterface({ input: this.child.stdout, crlfDelay: Infinity })
        .on('line', (text) => this.#line(text))
        .once('close', resolve);
    });
  }

  /** Every stdout line from now on: `(record, text)`; record is undefined when the line is not JSON. */
  onLine(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The first line from now on that passes `predicate`, or a rejection naming `what` after `timeoutMs`. */
  waitForLine(predicate, { timeoutMs, what }) {
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiter.resolve = (record) => {
        clearTimeout(timer);
        resolve(record);
      };
      this.#waiters.add(waiter);
    });
  }

  signal(name) {
    this.child.kill(name);
  }

  #line(text) {
    this.log.write(`${text}\n`);
    let record;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    this.lastLine = { text, record };
    for (const listener of this.#listeners) listener(record, text);
    if (record === undefined) return;
    for (const waiter of this.#waiters) {
      if (waiter.predicate(record)) {
        this.#waiters.delete(waiter);
        waiter.resolve(record);
      }
    }
  }
}

/**
 * One control request on the Unix socket: a fresh connection each (no pooled
 * socket that the server's keep-alive timeout could close under a request).
 * Resolves `{ status, body, ms }`; rejects on no answer within `timeoutMs`.
 */
export function control(socketPath, method, path, body, { timeoutMs = 30_000, rawBody } = {}) {
  const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath,
      method,
      path,
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode, body: parsed, ms: performance.now() - began });
      });
      res.once('error', reject);
    });
    req.end(payload);
  });
}

/** GET over TCP (the health and metrics listener). */
export function httpGet(host, port, path, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to GET ${path} within ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}
