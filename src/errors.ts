/**
 * The one error class of superloops. Every error has a stable `code` (tests and
 * scripts match on it, never on the message) and a message that says what to do
 * next. A lower error is kept as `cause`.
 */
export const ErrorCodes = {
  /** The manifest is not valid YAML or does not match the schema. */
  CONFIG_INVALID: 'SL_ERR_CONFIG_INVALID',
  /** The manifest file cannot be read. */
  CONFIG_UNREADABLE: 'SL_ERR_CONFIG_UNREADABLE',
  /** A loop module cannot be found, compiled or imported, or has no SuperLoop default export. */
  MODULE_INVALID: 'SL_ERR_MODULE_INVALID',
  /** No loop of that name is known to the controller. */
  LOOP_NOT_FOUND: 'SL_ERR_LOOP_NOT_FOUND',
  /** A loop of that name already exists. */
  LOOP_EXISTS: 'SL_ERR_LOOP_EXISTS',
  /** The controller gave up (too many resets in the window) and takes no more commands. */
  CONTROLLER_GAVE_UP: 'SL_ERR_CONTROLLER_GAVE_UP',
  /** The daemon is shutting down: it answers status, and refuses commands that change state. */
  CONTROLLER_STOPPED: 'SL_ERR_CONTROLLER_STOPPED',
  /** Another daemon holds the control socket. */
  SOCKET_IN_USE: 'SL_ERR_SOCKET_IN_USE',
  /** A listener cannot listen: the health and metrics one on its host and port, or the control socket at its path (no such directory, not permitted, path too long, chown to socket_group refused). */
  LISTEN_FAILED: 'SL_ERR_LISTEN_FAILED',
  /** No daemon answers at the control socket. */
  NO_DAEMON: 'SL_ERR_NO_DAEMON',
  /** A control request was malformed, too large, too slow or unknown. */
  BAD_REQUEST: 'SL_ERR_BAD_REQUEST',
  /** A control route does not exist. */
  NOT_FOUND: 'SL_ERR_NOT_FOUND',
  /** A worker did not end even after terminate() (blocked in a synchronous native call). */
  UNKILLABLE: 'SL_ERR_UNKILLABLE',
  /** Something failed that is not one of the above: a bug; the daemon log has the details. */
  INTERNAL: 'SL_ERR_INTERNAL',
  /** An operation did not finish within its deadline. */
  TIMEOUT: 'SL_ERR_TIMEOUT',
  /** A library call got an argument it cannot use (e.g. start arguments that cannot be sent to a worker). */
  INVALID_ARGUMENT: 'SL_ERR_INVALID_ARGUMENT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorDetails {
  /** Where the problem is: a file, a manifest path, a loop name … */
  [key: string]: unknown;
}

export class SuperloopsError extends Error {
  override readonly name = 'SuperloopsError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isSuperloopsError(err: unknown, code?: ErrorCode): err is SuperloopsError {
  return err instanceof SuperloopsError && (code === undefined || err.code === code);
}
