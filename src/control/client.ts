import net from 'node:net';
import { ErrorCodes, SuperloopsError } from '../errors.js';

// Loaded by the `superloops` CLI, which must start fast. It speaks HTTP/1.1 on
// a bare socket rather than through node:http: loading node:http and its agent
// took a fifth of a `ctl status`. That is safe because it only ever talks to
// our own server, which always sends Content-Length and closes on
// `Connection: close`; any other answer is "not a superloops daemon".
// (Type-only imports are fine; they vanish at build.)

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
  const payload = body === undefined ? '' : JSON.stringify(body);
  const requestHead =
    `${method} ${path} HTTP/1.1\r\nHost: superloops\r\n` +
    // One connection per request: nothing pooled keeps the CLI alive after its answer.
    'Connection: close\r\n' +
    (body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`) +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: unknown, response?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (response) resolve(response);
      else reject(err instanceof SuperloopsError ? err : connectionError(socketPath, err as NodeJS.ErrnoException));
    };
    const timer = setTimeout(() => {
      settle(
        new SuperloopsError(
          ErrorCodes.TIMEOUT,
          `no answer from the daemon at ${socketPath} within ${timeoutMs} ms; the command may still be running — check with superloops ctl status, or pass a larger --timeout`,
          { details: { path: socketPath, timeoutMs } },
        ),
      );
    }, timeoutMs);
    socket.once('error', settle);
    // Not end(): the server takes a half-closed connection for a client that went away.
    socket.once('connect', () => socket.write(requestHead + payload));
    let head: Head | undefined;
    const finish = (): void => {
      if (head === undefined || size < head.bodyStart + head.length) return;
      const text = Buffer.concat(chunks).toString('utf8', head.bodyStart, head.bodyStart + head.length);
      try {
        settle(undefined, { status: head.status, body: JSON.parse(text) });
      } catch {
        settle(notOurs(socketPath, `HTTP ${head.status} with a body that is not JSON`));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) return settle(notOurs(socketPath, `an answer over ${MAX_RESPONSE_BYTES} bytes`));
      chunks.push(chunk);
      if (head === undefined) {
        const parsed = parseHead(Buffer.concat(chunks));
        if (typeof parsed === 'string') return settle(notOurs(socketPath, parsed));
        head = parsed;
      }
      finish();
    });
    socket.once('end', () => {
      if (size === 0) settle(Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' }));
      else settle(notOurs(socketPath, 'a cut-off answer'));
    });
  });
}

interface Head {
  status: number;
  /** Where the body starts in the answer's bytes, and how long it is. */
  bodyStart: number;
  length: number;
}

/** The status line and Content-Length, undefined until the head is whole, or what is wrong with it. */
function parseHead(data: Buffer): Head | undefined | string {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return data.length > 64 * 1024 ? 'a head over 64 KiB' : undefined;
  const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(lines[0]!);
  if (!status) return 'something that is not HTTP';
  const lengthLine = lines.find((line) => /^content-length:/i.test(line));
  const length = lengthLine === undefined ? NaN : Number(lengthLine.slice(lengthLine.indexOf(':') + 1).trim());
  if (!Number.isSafeInteger(length) || length < 0) return `HTTP ${status[1]} without a Content-Length`;
  return { status: Number(status[1]), bodyStart: headEnd + 4, length };
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
