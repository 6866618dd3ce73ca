/**
 * The wire format of the control API, shared by the server and the client.
 * Types and constants only: the CLI imports this, and must stay light.
 */

/** Every path starts with the API version, so a later incompatible API can live beside this one. */
export const API_PREFIX = '/v1';

/** A loop name as it may appear in a path (after URL-decoding). */
export const LOOP_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const LOOP_NAME_RULE = 'a letter, then up to 63 letters, digits, "_", "." or "-"';

/** Where the CLI and the daemon look for the control socket when nothing else says. */
export const DEFAULT_SOCKET = './superloops.sock';

/** The body of every 4xx and 5xx response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The result of `POST /v1/shutdown` (status 202: the shutdown has begun, not finished). */
export interface ShutdownResult {
  shuttingDown: true;
}

/** The result of `POST /v1/loops/{name}/failure`. */
export interface FailureResult {
  failures: number;
}
