import { statSync, type Stats } from 'node:fs';
import { chmod, chown, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ErrorCodes, SuperloopsError } from '../errors.js';
import { MAX_SOCKET_PATH_BYTES, isNamedPipe } from './protocol.js';
import { resolveGroup } from './socket-group.js';

/** Mode of the socket file when a group shares it: owner and group read and write, nobody else. */
const GROUP_MODE = 0o660;

/** How long the probe waits to connect before it calls the socket live (never unlink what might be alive). */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Makes `socketPath` free to listen on, or says why it is not: a live daemon
 * holds it (it accepts a connection), or it is not a socket. A socket file
 * left by a killed daemon refuses connections (ECONNREFUSED) and is removed.
 *
 * Between the probe and the unlink another daemon could take the path; both
 * starting at the same instant on one socket is not a case we guard further.
 */
export async function claimSocketPath(socketPath: string): Promise<void> {
  checkPathLength(socketPath);
  let isSocket: boolean;
  try {
    isSocket = (await lstat(socketPath)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new SuperloopsError(ErrorCodes.SOCKET_IN_USE, `cannot inspect the control socket path ${socketPath}: ${(err as Error).message}`, {
      cause: err,
      details: { path: socketPath },
    });
  }
  if (!isSocket) {
    throw new SuperloopsError(
      ErrorCodes.SOCKET_IN_USE,
      `${socketPath} exists and is not a socket; refusing to replace it — move it away or choose another socket path`,
      { details: { path: socketPath, reason: 'not-a-socket' } },
    );
  }
  const state = await probe(socketPath);
  if (state === 'live') {
    throw new SuperloopsError(
      ErrorCodes.SOCKET_IN_USE,
      `another daemon is listening on ${socketPath}; stop it first (superloops ctl --socket ${socketPath} shutdown) or choose another socket path`,
      { details: { path: socketPath, reason: 'live' } },
    );
  }
  if (state === 'stale') {
    await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

function probe(socketPath: string): Promise<'live' | 'stale' | 'gone'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(() => {
      done();
      resolve('live');
    }, PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      done();
      resolve('live');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      done();
      if (err.code === 'ECONNREFUSED') resolve('stale');
      else if (err.code === 'ENOENT') resolve('gone');
      // EAGAIN: the listener's backlog is full, so someone is listening.
      else if (err.code === 'EAGAIN') resolve('live');
      else
        reject(
          new SuperloopsError(
            ErrorCodes.SOCKET_IN_USE,
            `cannot tell whether a daemon holds ${socketPath} (${err.code ?? err.message}); check who owns it, or choose another socket path`,
            { cause: err, details: { path: socketPath } },
          ),
        );
    });
  });
}

/**
 * Listens on `socketPath` with the socket file created owner-only (0600).
 * The umask is narrowed around the bind rather than chmod-ing afterwards, so
 * there is no moment when the file is wider. The bind is synchronous inside
 * listen() (with `exclusive`, also in a cluster worker), so the narrowed umask
 * covers only that instant. Returns the socket file's inode, to unlink only
 * our own file at close.
 *
 * With `group` (a name or a gid: the manifest's `controller.socket_group`),
 * the file is then given to that group and opened to it (0660): chown first,
 * chmod second, so it is never open to a group it was not meant for. The group
 * is resolved before the bind, so an unknown one leaves nothing behind; if the
 * chown is refused, the server is closed (which removes the file) and the
 * error says why.
 */
export async function listenOwnerOnly(server: net.Server, socketPath: string, group?: string | number): Promise<number> {
  checkPathLength(socketPath);
  const gid = group === undefined ? undefined : resolveGroup(group);
  const listening = new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenFailure(err, socketPath));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
  const previous = process.umask(0o177);
  try {
    server.listen({ path: socketPath, exclusive: true });
  } finally {
    process.umask(previous);
  }
  await listening;
  const { ino } = await lstat(socketPath);
  if (gid !== undefined) {
    try {
      // uid -1: the owner stays the daemon's user.
      await chown(socketPath, -1, gid);
      await chmod(socketPath, GROUP_MODE);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeSocketFile(socketPath, ino);
      throw new SuperloopsError(
        ErrorCodes.LISTEN_FAILED,
        `cannot give the control socket ${socketPath} to group ${JSON.stringify(String(group))} (gid ${gid}): ${errnoText(err)}; ` +
          'the daemon must run as root or as a member of that group (or remove controller.socket_group)',
        { cause: err, details: { path: socketPath, group, gid } },
      );
    }
  }
  return ino;
}

/** A socket path the system cannot bind is refused before anything is done with it. */
function checkPathLength(socketPath: string): void {
  if (isNamedPipe(socketPath)) return;
  const bytes = Buffer.byteLength(socketPath);
  if (bytes <= MAX_SOCKET_PATH_BYTES) return;
  throw new SuperloopsError(
    ErrorCodes.LISTEN_FAILED,
    `the control socket path ${socketPath} is ${bytes} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES} on this system: ` +
      'choose a shorter path (controller.socket or --socket), e.g. /tmp/superloops.sock',
    { details: { path: socketPath, bytes, maxBytes: MAX_SOCKET_PATH_BYTES, reason: 'too-long' } },
  );
}

/** The listen() error as one that says what to do; libuv reports a missing directory as EACCES, so the directory is looked at. */
function listenFailure(err: NodeJS.ErrnoException, socketPath: string): SuperloopsError {
  const details = { path: socketPath, errno: err.code };
  if (err.code === 'EADDRINUSE') {
    return new SuperloopsError(ErrorCodes.SOCKET_IN_USE, `another process took ${socketPath} while this daemon was starting; choose another socket path`, {
      cause: err,
      details: { ...details, reason: 'live' },
    });
  }
  const fail = (reason: string, message: string): SuperloopsError =>
    new SuperloopsError(ErrorCodes.LISTEN_FAILED, message, { cause: err, details: { ...details, reason } });
  const dir = path.dirname(socketPath);
  if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'ENOTDIR') {
    let stats: Stats | undefined;
    try {
      stats = statSync(dir);
    } catch {
      // ENOENT, or ENOTDIR when a file stands where a directory of the path should be: either way, no directory.
    }
    if (stats === undefined) {
      return fail('no-directory', `cannot create the control socket ${socketPath}: the directory ${dir} does not exist; create it or choose another socket path`);
    }
    if (!stats.isDirectory()) {
      return fail('no-directory', `cannot create the control socket ${socketPath}: ${dir} is not a directory; choose another socket path`);
    }
    return fail(
      'permission',
      `cannot create the control socket ${socketPath}: permission denied in ${dir}; let the daemon's user write there, or choose another socket path`,
    );
  }
  if (err.code === 'ENAMETOOLONG') {
    return fail(
      'too-long',
      `cannot create the control socket ${socketPath}: the path is too long for a Unix socket (at most ${MAX_SOCKET_PATH_BYTES} bytes); choose a shorter path, e.g. /tmp/superloops.sock`,
    );
  }
  return fail('other', `cannot listen on the control socket ${socketPath}: ${errnoText(err)}; choose another socket path`);
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

/** Removes the socket file if it is still the one we created (another daemon may have reclaimed the path). */
export async function removeSocketFile(socketPath: string, ino: number): Promise<void> {
  try {
    const stats = await lstat(socketPath);
    if (stats.isSocket() && stats.ino === ino) await unlink(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
