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

/**
 * The longest socket path the system can bind: sun_path holds 108 bytes on
 * Linux and 104 on macOS and the BSDs, the final NUL included. Node 20 does
 * not refuse a longer path: it binds the path cut short, somewhere else.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** A Windows named pipe (`\\.\pipe\name`) has no file and no length limit of its own. */
export function isNamedPipe(socketPath: string): boolean {
  return /^\\\\[.?]\\pipe\\/.test(socketPath);
}

/** The body of every 4xx and 5xx response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * The result of `POST /v1/shutdown`: status 202 when the shutdown has begun;
 * with the body `{ "wait": true }`, status 200 once every loop has stopped,
 * with `stopped` saying how (the daemon still holds its socket then, and exits
 * right after).
 */
export interface ShutdownResult {
  shuttingDown: true;
  stopped?: StopReport;
}

/** How a shutdown stopped the loops: the fields of the daemon's last log line, `Stopped`. */
export interface StopReport {
  loops: number;
  /** Loops that ended by themselves within their grace period. */
  graceful: number;
  /** Loops whose worker was terminated at the end of its grace period. */
  terminated: number;
  /** True if the stop went past `shutdown_timeout`: some worker may not have ended. */
  timedOut: boolean;
  /** What the daemon exits with (see `superloopsd start`'s exit codes). */
  exitCode: number;
}

/** The result of `POST /v1/loops/{name}/failure`. */
export interface FailureResult {
  failures: number;
}
