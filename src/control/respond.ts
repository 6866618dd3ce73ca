import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { toErrorResponse } from './error-response.js';

// Writing answers: through the ServerResponse when Node parsed a request, or
// straight onto the socket (end-raw.ts) when it could not.

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
