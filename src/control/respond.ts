import http, { type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ErrorCodes } from '../errors.js';
import { toErrorResponse } from './error-response.js';
import type { ErrorBody } from './protocol.js';

// Writing answers: through the ServerResponse when Node parsed a request, or
// straight onto the socket when it could not.

export function sendError(res: ServerResponse, err: unknown): void {
  const { status, body, headers } = toErrorResponse(err);
  const close = (err as { details?: { closeConnection?: unknown } } | undefined)?.details?.closeConnection === true;
  send(res, status, body, close ? { ...headers, connection: 'close' } : headers);
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body, withoutStacks);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
  });
  res.end(json);
}

/** Stack traces stay in the daemon log: results carry loops' ErrorRecords, whose stacks name files and internals. */
function withoutStacks(key: string, value: unknown): unknown {
  return key === 'stack' && typeof value === 'string' ? undefined : value;
}

/** Malformed HTTP (a parse error, headers too large, too slow): answer in JSON if the connection can still take it. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  logger.debug({ code: err.code }, 'Control client error');
  const inResponse = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || inResponse) {
    socket.destroy();
    return;
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') endRaw(socket, 431, 'the request headers are too large');
  else endRaw(socket, 400, `malformed HTTP request (${err.code ?? 'parse error'}); send HTTP/1.1 with a JSON body`);
}

/** A request that did not arrive in time (see enforceDeadlines): 408, and the connection closed. */
export function endTimedOut(socket: Duplex): void {
  endRaw(socket, 408, 'the request was not received in time; send the whole request promptly');
}

/** A JSON error written straight to the socket, which is then closed (the HTTP parser has lost its place). */
export function endRaw(socket: Duplex, status: number, message: string, code: string = ErrorCodes.BAD_REQUEST): void {
  const body: ErrorBody = { error: { code, message } };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
  // end() waits for the peer to read; a peer that never reads must not keep the socket.
  socket.once('finish', () => socket.destroy());
}
