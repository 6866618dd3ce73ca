import { ErrorCodes } from '../errors.js';
import type { ErrorBody } from './protocol.js';

/** The HTTP status of each refusal; any other code (and any non-SuperloopsError) is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCodes.LOOP_NOT_FOUND]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.CONFIG_INVALID]: 422,
  // A reload whose manifest file is gone or unreadable, or names a module that does not load: nothing changed.
  [ErrorCodes.CONFIG_UNREADABLE]: 422,
  [ErrorCodes.MODULE_INVALID]: 422,
  [ErrorCodes.CONTROLLER_GAVE_UP]: 409,
  [ErrorCodes.CONTROLLER_STOPPED]: 409,
};

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Extra response headers (Allow on a 405). */
  headers: Record<string, string>;
}

/**
 * What a thrown error looks like on the wire. A SuperloopsError is recognised
 * by its `SL_ERR_` code, not by instanceof: one from another copy of the
 * package (the built library next to these sources, or two installed
 * versions) is still one. `details.httpStatus` overrides the status for the
 * refusals that share SL_ERR_BAD_REQUEST (405, 408, 413, 431). The message is
 * kept; the stack never leaves the daemon.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  const code = codeOf(err);
  if (code === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    return { status: 500, headers: {}, body: { error: { code: ErrorCodes.INTERNAL, message: `internal error: ${message}; see the daemon log` } } };
  }
  const details = (err as { details?: Record<string, unknown> }).details;
  const override = details?.httpStatus;
  const status = typeof override === 'number' ? override : (STATUS_BY_CODE[code] ?? 500);
  const headers: Record<string, string> = {};
  if (Array.isArray(details?.allow)) headers.allow = details.allow.join(', ');
  return { status, headers, body: { error: { code, message: (err as Error).message } } };
}

/** The stable code of a SuperloopsError (from any copy of the package), else undefined. */
export function codeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SL_ERR_') ? code : undefined;
}
