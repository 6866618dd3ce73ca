import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes } from '../errors.js';

// Answers written straight onto a socket, for when there is no ServerResponse
// to write through: both listeners (control socket and health/metrics) use them.

/** A request that did not arrive in time (see enforceDeadlines): 408, and the connection closed. */
export function endTimedOut(socket: Duplex): void {
  endRaw(socket, 408, 'the request was not received in time; send the whole request promptly');
}

/** A JSON error written straight to the socket, which is then closed (the HTTP parser has lost its place). */
export function endRaw(socket: Duplex, status: number, message: string, code: string = ErrorCodes.BAD_REQUEST): void {
  const json = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
  // end() waits for the peer to read; a peer that never reads must not keep the socket.
  socket.once('finish', () => socket.destroy());
}
