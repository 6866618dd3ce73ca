import http from 'node:http';
import { ErrorCodes, SuperloopsError } from '../errors.js';

// Loaded by the `superloops` CLI, which must start fast: node:http and the
// error catalog only (type-only imports are fine; they vanish at build).

export interface ControlResponse {
  status: number;
  /** The parsed JSON body: `{ result }` on 2xx, `{ error: { code, message } }` otherwise. */
  body: unknown;
}

export interface RequestOptions {
  /** Give up (SL_ERR_TIMEOUT) if the whole answer has not arrived by then. A stop may wait out grace periods. @default 120000 */
  timeoutMs?: number;
}

/** A daemon answer larger than this is not a superloops daemon's. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * One request to the control API on the Unix socket at `socketPath`. Resolves
 * with any HTTP answer (refusals included); rejects only when there is no
 * answer: SL_ERR_NO_DAEMON (nothing listening, hung up, not our protocol) or
 * SL_ERR_TIMEOUT.
 */
export function request(socketPath: string, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ControlResponse> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath,
      method,
      path,
      // A fresh connection per request: nothing pooled keeps the CLI alive after its answer.
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => {
      req.destroy(
        new SuperloopsError(
          ErrorCodes.TIMEOUT,
          `no answer from the daemon at ${socketPath} within ${timeoutMs} ms; the command may still be running — check with superloops ctl status, or pass a larger --timeout`,
          { details: { path: socketPath, timeoutMs } },
        ),
      );
    }, timeoutMs);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      reject(err instanceof SuperloopsError ? err : connectionError(socketPath, err as NodeJS.ErrnoException));
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(notOurs(socketPath, `an answer over ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(notOurs(socketPath, `HTTP ${res.statusCode} with a body that is not JSON`));
        }
      });
    });
    req.end(payload);
  });
}

function connectionError(socketPath: string, err: NodeJS.ErrnoException): SuperloopsError {
  const options = { cause: err, details: { path: socketPath } };
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return new SuperloopsError(
        ErrorCodes.NO_DAEMON,
        `no daemon is listening at ${socketPath}; start one with superloopsd start <manifest> or pass --socket`,
        options,
      );
    case 'EACCES':
    case 'EPERM':
      return new SuperloopsError(
        ErrorCodes.NO_DAEMON,
        `permission denied connecting to ${socketPath}: the control socket is owner-only; run as the user the daemon runs as`,
        options,
      );
    default:
      return new SuperloopsError(
        ErrorCodes.NO_DAEMON,
        `the daemon at ${socketPath} hung up without answering (${err.code ?? err.message}); it may be shutting down or at its connection limit — try again`,
        options,
      );
  }
}

function notOurs(socketPath: string, what: string): SuperloopsError {
  return new SuperloopsError(ErrorCodes.NO_DAEMON, `${socketPath} answered with ${what}; is it a superloops daemon? Pass --socket with the daemon's socket`, {
    details: { path: socketPath },
  });
}
