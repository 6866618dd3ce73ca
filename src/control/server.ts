import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { endRaw, endTimedOut } from '../http/end-raw.js';
import { enforceDeadlines, withoutNodeDeadlines } from '../http/request-deadlines.js';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { codeOf } from './error-response.js';
import { readBody, tooLarge } from './read-body.js';
import { answerClientError } from '../http/client-error.js';
import { send, sendError } from './respond.js';
import { badRequest, matchRoute, parseBody, parseLoopName, routeList, type Route } from './routes.js';
import { claimSocketPath, listenOwnerOnly, removeSocketFile } from './socket-file.js';
import type { ControlTarget } from './target.js';

/** Bounds on what one client can cost the daemon. */
export interface ControlLimits {
  /** A larger request body gets 413. @default 65536 */
  maxBodyBytes: number;
  /** Time to receive a request's headers; slower gets 408. Capped at `requestTimeoutMs`. @default 10000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body; slower gets 408. @default 10000 */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request this long after its last answer is closed. @default 5000 */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many are closed as soon as they are accepted. @default 64 */
  maxConnections: number;
}

/** How long close() waits for answers already under way before it cuts their connections. */
const CLOSE_FLUSH_MS = 1000;

export const defaultControlLimits: Readonly<ControlLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
});

export interface ControlServerOptions {
  socketPath: string;
  /** Group given access to the socket file (mode 0660): a name from /etc/group or a gid. @default owner-only (0600) */
  socketGroup?: string | number;
  target: ControlTarget;
  logger: Logger;
  limits?: Partial<ControlLimits>;
}

export interface ControlServer {
  /**
   * Stops listening, lets answers under way finish (up to a second), destroys
   * the other connections and removes the socket file. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Serves the control API (HTTP/1.1, JSON bodies) on a Unix socket. Nothing a
 * client sends can throw out of here: every request runs inside one catch,
 * and malformed HTTP goes through 'clientError'. Both answer with a JSON error.
 * Rejects with SL_ERR_SOCKET_IN_USE if a live daemon holds `socketPath` or it
 * is not a socket; a stale socket file (nobody accepting) is replaced.
 */
export async function listenControl(options: ControlServerOptions): Promise<ControlServer> {
  const { socketPath, target, logger } = options;
  const limits = { ...defaultControlLimits, ...options.limits };
  const server = http.createServer({
    ...withoutNodeDeadlines,
    // Over a Unix socket the Host header means nothing; raw clients may omit it.
    requireHostHeader: false,
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  enforceDeadlines(server, limits, endTimedOut);
  server.maxConnections = limits.maxConnections;

  server.on('drop', () => logger.debug({ maxConnections: limits.maxConnections }, 'Control connection dropped: too many connections'));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, logger, 'send HTTP/1.1 with a JSON body'));
  // Without these Node answers an unknown Expect with an empty 417 and hangs up on
  // CONNECT; every refusal here is JSON. (No 'upgrade' listener: without one, Node
  // serves an Upgrade request as an ordinary request, which is what we want.)
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    sendError(res, badRequest(`unsupported Expect header ${JSON.stringify(String(req.headers.expect).slice(0, 100))}`, undefined, 417));
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    endRaw(socket, 405, 'the control API does not tunnel (CONNECT); see docs/control-api.md for its routes', ErrorCodes.NOT_FOUND),
  );
  // Refuse an oversized body before the client sends it, instead of inviting it with 100 Continue.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBodyBytes) sendError(res, tooLarge(limits.maxBodyBytes));
    else {
      res.writeContinue();
      server.emit('request', req, res);
    }
  });
  // Requests being answered: close() lets them finish (a waiting shutdown's answer is sent just before it).
  const inFlight = new Set<ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    handle(req, res, target, logger, limits.maxBodyBytes).catch((err: unknown) => {
      // handle() answers every error itself; reaching here is a bug in it.
      logger.error({ err }, 'Control request failed');
      res.destroy();
    });
  });

  await claimSocketPath(socketPath);
  const ino = await listenOwnerOnly(server, socketPath, options.socketGroup);
  server.on('error', (err) => logger.error({ err, socket: socketPath }, 'Control server error'));
  logger.debug({ socket: socketPath }, 'Control API listening');

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Answers under way get a moment to reach their clients; anything slower is cut.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all([...inFlight].map((res) => new Promise((resolve) => res.once('close', resolve)))),
          new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_FLUSH_MS))),
        ]);
        clearTimeout(timer);
        server.closeAllConnections();
        await closed;
        await removeSocketFile(socketPath, ino);
      })();
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, target: ControlTarget, logger: Logger, maxBodyBytes: number): Promise<void> {
  const began = performance.now();
  const match = matchRoute(req.method ?? '', req.url ?? '');
  const route: Route | undefined = match.kind === 'route' ? match.route : undefined;
  const rawName = match.kind === 'route' ? match.rawName : undefined;
  let outcome = 'ok';
  let logged = false;
  const log = (): void => {
    logged = true;
    const entry = { verb: route?.verb, loop: rawName === undefined ? undefined : truncate(rawName), outcome, durationMs: Math.round(performance.now() - began) };
    if (route?.mutating) logger.info(entry, 'Control command');
    else logger.debug({ ...entry, method: req.method, url: truncate(req.url ?? '') }, 'Control request');
  };
  try {
    if (match.kind === 'none') {
      throw new SuperloopsError(ErrorCodes.NOT_FOUND, `no route ${req.method} ${truncate(req.url ?? '')}; the routes are: ${routeList()}`);
    }
    if (match.kind === 'wrong-method') {
      throw new SuperloopsError(ErrorCodes.NOT_FOUND, `${req.method} is not allowed on ${truncate(req.url ?? '')}; use ${match.allow.join(' or ')}`, {
        details: { httpStatus: 405, allow: match.allow },
      });
    }
    const body = await readBody(req, maxBodyBytes);
    const name = rawName === undefined ? '' : parseLoopName(rawName);
    const input = { name, ...parseBody(match.route, body) };
    if (match.route.logAtStart) log();
    const result = await match.route.run(target, input);
    const after = match.route.afterResponse;
    if (after !== undefined) {
      // 'close' comes after the answer is flushed, and also if the client is
      // already gone: a shutdown asked for is done even if nobody hears the answer.
      res.once('close', () => {
        try {
          after(target, input);
        } catch (err) {
          logger.error({ err, verb: match.route.verb }, 'Control command failed after its response');
        }
      });
    }
    const status = match.route.status;
    send(res, typeof status === 'function' ? status(input) : status, { result }, {});
  } catch (err) {
    outcome = codeOf(err) ?? ErrorCodes.INTERNAL;
    if (outcome === ErrorCodes.INTERNAL) logger.error({ err, verb: route?.verb }, 'Control request failed');
    sendError(res, err);
  } finally {
    if (!logged) log();
  }
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
