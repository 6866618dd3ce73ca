import type { IncomingMessage } from 'node:http';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { badRequest } from './routes.js';

/** The whole body, or a 413 (with the connection closed: the rest of the body is never read). */
export function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) return Promise.reject(tooLarge(maxBodyBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) settle(() => reject(tooLarge(maxBodyBytes)));
      else if (!settled) chunks.push(chunk);
    });
    req.once('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.once('error', (err) => settle(() => reject(badRequest(`the request was cut off: ${err.message}`, err))));
    req.once('close', () => settle(() => reject(badRequest('the client closed the connection before sending the whole request'))));
  });
}

export function tooLarge(maxBodyBytes: number): SuperloopsError {
  return new SuperloopsError(ErrorCodes.BAD_REQUEST, `the request body is larger than ${maxBodyBytes} bytes; control commands take small JSON bodies`, {
    details: { httpStatus: 413, closeConnection: true },
  });
}
