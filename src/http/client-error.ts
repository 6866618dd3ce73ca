import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { endRaw } from './end-raw.js';

/**
 * Malformed HTTP (a parse error, headers too large): answered in JSON, as
 * every other refusal is, if the connection can still take it. For both
 * listeners' 'clientError'; `expected` says what a good request looks like.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, logger: Logger, expected: string): void {
  logger.debug({ code: err.code }, 'HTTP client error');
  const inResponse = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || inResponse) {
    socket.destroy();
    return;
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') endRaw(socket, 431, 'the request headers are too large');
  else endRaw(socket, 400, `malformed HTTP request (${err.code ?? 'parse error'}); ${expected}`);
}
