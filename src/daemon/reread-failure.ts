import { ErrorCodes, SuperloopsError, isSuperloopsError } from '../errors.js';

/**
 * The error of a reload whose manifest cannot be read any more: the daemon
 * knows the file's absolute path and that it was there at start, so the
 * message says so (not the start-time hint about relative paths). Any other
 * error passes through unchanged.
 */
export function rereadFailure(err: unknown, file: string): unknown {
  if (!isSuperloopsError(err, ErrorCodes.CONFIG_UNREADABLE)) return err;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  const why =
    cause?.code === 'ENOENT'
      ? 'it is gone (moved or deleted since the daemon read it)'
      : cause?.code === 'EACCES' || cause?.code === 'EPERM'
        ? 'permission denied; make it readable by the user the daemon runs as'
        : cause?.code === 'EISDIR'
          ? 'it is a directory now'
          : (cause?.message ?? err.message);
  return new SuperloopsError(
    ErrorCodes.CONFIG_UNREADABLE,
    `cannot reread the manifest ${file}: ${why}; nothing was changed — put the file back at that path, then reload again`,
    { cause: err.cause ?? err, details: { file } },
  );
}
