import { ErrorCodes, SuperloopsError, isSuperloopsError } from '../errors.js';
import { readFailure } from '../manifest/load.js';

/**
 * The error of a reload whose manifest cannot be read any more: the daemon
 * knows it was there at start, so a missing file is one moved or deleted since,
 * and the message says what to do for a reload. Any other error passes through
 * unchanged.
 */
export function rereadFailure(err: unknown, file: string): unknown {
  if (!isSuperloopsError(err, ErrorCodes.CONFIG_UNREADABLE)) return err;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  const why = cause?.code === 'ENOENT' ? 'it is gone (moved or deleted since the daemon read it)' : readFailure(cause ?? err, file);
  return new SuperloopsError(
    ErrorCodes.CONFIG_UNREADABLE,
    `cannot reread the manifest ${file}: ${why}; nothing was changed — put the file back at that path, then reload again`,
    { cause: err.cause ?? err, details: { file } },
  );
}
