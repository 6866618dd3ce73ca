import { lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { ErrorCodes, SuperloopsError } from '../errors.js';

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
 */
export async function listenOwnerOnly(server: net.Server, socketPath: string): Promise<number> {
  const listening = new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new SuperloopsError(ErrorCodes.SOCKET_IN_USE, `another process took ${socketPath} while this daemon was starting; choose another socket path`, {
            cause: err,
            details: { path: socketPath, reason: 'live' },
          }),
        );
      } else reject(err);
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
  return (await lstat(socketPath)).ino;
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
