import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { endTimedOut } from '../http/end-raw.js';
import { enforceDeadlines, withoutNodeDeadlines } from '../http/request-deadlines.js';
import type { LoopController } from '../controller/controller.js';
import { ErrorCodes } from '../errors.js';
import { liveness, readiness } from './health.js';
import { createMetrics } from './metrics.js';
import { answerClientError } from '../http/client-error.js';

export interface HttpOptions {
  /** The address to bind. @default '127.0.0.1' */
  host?: string;
  /** 0 lets the OS pick a free port; the bound one is reported back. */
  port: number;
  controller: LoopController;
  logger: Logger;
  /** The request line and headers must arrive within this (capped at `requestTimeoutMs`). @default 5000 */
  headersTimeoutMs?: number;
  /** The whole request must arrive within this. @default 10000 */
  requestTimeoutMs?: number;
  /** Connections past this many are dropped at once: a few probes and scrapers need a handful. @default 64 */
  maxConnections?: number;
}

export interface HttpListener {
  /** The address actually bound. */
  host: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting, lets requests in flight finish for a short while, then cuts what is left. Idempotent. */
  close(): Promise<void>;
}

// A scraper or probe sends a few hundred bytes and reads a few kilobytes: the
// bounds below only stop slow or idle clients from holding sockets.
/** An idle keep-alive connection is closed after this (Prometheus reuses its connection between scrapes when it can). */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 8 * 1024;
/** close() waits this long for requests in flight before cutting their connections. */
const CLOSE_GRACE_MS = 2_000;

interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, body: object, headers?: Record<string, string>): Answer => ({
  status,
  contentType: JSON_TYPE,
  body: `${JSON.stringify(body)}\n`,
  ...(headers ? { headers } : {}),
});

/**
 * The read-only HTTP listener: health probes and Prometheus metrics. It serves
 * GET on three paths and nothing else, so no verb that changes state is ever
 * reachable over TCP (those go through the control socket only).
 */
export async function listenHttp(options: HttpOptions): Promise<HttpListener> {
  const { controller } = options;
  const log = options.logger;
  const metrics = createMetrics(controller);
  const routes = new Map<string, () => Answer | Promise<Answer>>([
    ['/healthz', () => health(liveness(controller))],
    ['/readyz', () => health(readiness(controller))],
    ['/metrics', async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.render() })],
  ]);

  const answer = async (req: IncomingMessage): Promise<Answer> => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method !== 'GET') {
      return json(
        405,
        { error: { code: ErrorCodes.BAD_REQUEST, message: `${req.method} is not allowed: this listener is read-only and serves GET only` } },
        // The body of a refused request is never read: close instead of draining it.
        { allow: 'GET', connection: 'close' },
      );
    }
    if (declaresBody(req)) {
      return json(
        413,
        { error: { code: ErrorCodes.BAD_REQUEST, message: `GET ${path} must not carry a body: this listener reads none; send the request without Content-Length or Transfer-Encoding` } },
        // Answered on the headers alone; the body is never read, so a keep-alive
        // connection could not find the next request: close it instead.
        { connection: 'close' },
      );
    }
    const route = routes.get(path);
    if (route === undefined) {
      return json(404, { error: { code: ErrorCodes.NOT_FOUND, message: `no route ${path}; routes: ${[...routes.keys()].join(', ')}` } });
    }
    return route();
  };

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const began = performance.now();
    let a: Answer;
    try {
      a = await answer(req);
    } catch (err) {
      log.error({ err, path: req.url }, 'HTTP request failed');
      a = json(500, { error: { message: 'internal error; see the daemon log' } });
    }
    send(res, a);
    log.debug({ method: req.method, path: req.url, status: a.status, durationMs: Math.round(performance.now() - began) }, 'HTTP request');
  };

  const server = createServer({ ...withoutNodeDeadlines, maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void respond(req, res));
  // No request here has a body to invite: answer (405 or 413) without Node's automatic 100 Continue.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void respond(req, res));
  // Node's own answer to malformed HTTP has no body; ours is JSON like every other refusal.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, log, 'send an HTTP/1.1 GET'));
  const deadlines = { headersTimeoutMs: options.headersTimeoutMs ?? 5_000, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 };
  enforceDeadlines(server, deadlines, endTimedOut);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = options.maxConnections ?? 64;
  let dropped = 0;
  server.on('drop', () => {
    // Logged at 1, 2, 4, 8 … drops: visible, yet a flood cannot flood the log.
    if (Number.isInteger(Math.log2(++dropped))) log.warn({ dropped, maxConnections: server.maxConnections }, 'HTTP connection dropped');
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'HTTP listener error'));
  const address = server.address() as AddressInfo;
  log.info({ host: address.address, port: address.port }, 'HTTP listening');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.close((err) => {
        clearTimeout(force);
        if (err) return reject(err);
        log.info('HTTP closed');
        resolve();
      });
    }));

  return { host: address.address, port: address.port, close };
}

/**
 * True when the request says a body follows (a GET never needs one). Node's
 * parser has already refused a request with both headers or a malformed
 * Content-Length, so these two cover every way of framing a body.
 */
function declaresBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function health(report: { ok: boolean; body: object }): Answer {
  return json(report.ok ? 200 : 503, report.body);
}

function send(res: ServerResponse, a: Answer): void {
  if (res.destroyed) return;
  res.writeHead(a.status, {
    'content-type': a.contentType,
    'content-length': Buffer.byteLength(a.body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...a.headers,
  });
  res.end(a.body);
}
