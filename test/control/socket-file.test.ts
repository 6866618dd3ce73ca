import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH_BYTES } from '../../src/control/protocol.js';
import { claimSocketPath, listenOwnerOnly, removeSocketFile } from '../../src/control/socket-file.js';
import { findGroup, resolveGroup } from '../../src/control/socket-group.js';
import { ErrorCodes } from '../../src/errors.js';
import { cleanup, tempDir } from '../reliability/daemon-process.js';

// Who may connect to the control socket, and what a socket path that cannot be
// bound says: real sockets, real files, real chown (the tests run as root; the
// group is gid 1, `daemon`, which every Debian-like /etc/group has).

const isRoot = process.getuid?.() === 0;
const servers: net.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(cleanup);

function newServer(): net.Server {
  const server = net.createServer((conn) => conn.end('hello\n'));
  servers.push(server);
  return server;
}

/** The first line a connection to `socketPath` receives: the socket is really served. */
function hello(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let text = '';
    conn.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    conn.once('error', reject);
    conn.once('close', () => resolve(text));
  });
}

describe('listenOwnerOnly', () => {
  it('creates the socket file owner-only (0600) in the daemon\'s own group when no group is given', async () => {
    const socketPath = path.join(tempDir(), 'ctl.sock');
    await listenOwnerOnly(newServer(), socketPath);
    const stats = lstatSync(socketPath);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.gid).toBe(process.getgid!());
    expect(await hello(socketPath)).toBe('hello\n');
  });

  it.runIf(isRoot)('with a group (a name from /etc/group or a gid), gives the file to that group with mode 0660', async () => {
    for (const group of ['daemon', 1, '1']) {
      const socketPath = path.join(tempDir(), 'ctl.sock');
      const ino = await listenOwnerOnly(newServer(), socketPath, group);
      const stats = lstatSync(socketPath);
      expect(stats.ino, String(group)).toBe(ino);
      expect(stats.mode & 0o777, String(group)).toBe(0o660);
      expect(stats.gid, String(group)).toBe(1);
      expect(stats.uid, String(group)).toBe(process.getuid!()); // the owner stays the daemon's user
      expect(await hello(socketPath)).toBe('hello\n');
    }
  });

  it('refuses an unknown group before binding, naming it and how to fix it; nothing is left at the path', async () => {
    const socketPath = path.join(tempDir(), 'ctl.sock');
    const server = newServer();
    const refused = listenOwnerOnly(server, socketPath, 'no-such-group-sl');
    await expect(refused).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID,
      message: expect.stringMatching(/controller\.socket_group: no group named "no-such-group-sl" in \/etc\/group; create it/),
      details: { key: 'controller.socket_group', group: 'no-such-group-sl' },
    });
    expect(server.listening).toBe(false);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('says that the directory does not exist when the parent of the socket path is missing or is a file', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'run', 'superloops');
    await expect(listenOwnerOnly(newServer(), path.join(missing, 'ctl.sock'))).rejects.toMatchObject({
      code: ErrorCodes.LISTEN_FAILED,
      message: expect.stringContaining(`the directory ${missing} does not exist; create it or choose another socket path`),
      details: { reason: 'no-directory' },
    });
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(listenOwnerOnly(newServer(), path.join(file, 'ctl.sock'))).rejects.toMatchObject({
      code: ErrorCodes.LISTEN_FAILED,
      message: expect.stringContaining(`${file} is not a directory`),
    });
  });

  it(`refuses a path longer than ${MAX_SOCKET_PATH_BYTES} bytes, saying the limit, and binds nothing at the path cut short`, async () => {
    const dir = tempDir();
    const long = path.join(dir, `${'s'.repeat(MAX_SOCKET_PATH_BYTES - dir.length)}.sock`);
    expect(Buffer.byteLength(long)).toBeGreaterThan(MAX_SOCKET_PATH_BYTES);
    const expected = {
      code: ErrorCodes.LISTEN_FAILED,
      message: expect.stringContaining(`is ${Buffer.byteLength(long)} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`),
      details: { reason: 'too-long', maxBytes: MAX_SOCKET_PATH_BYTES },
    };
    const server = newServer();
    await expect(listenOwnerOnly(server, long)).rejects.toMatchObject(expected);
    await expect(claimSocketPath(long)).rejects.toMatchObject(expected);
    expect(server.listening).toBe(false);
    // Node 20 would have bound the first 107 bytes of the path.
    expect(existsSync(long.slice(0, MAX_SOCKET_PATH_BYTES))).toBe(false);
    // The longest allowed path is bound, and removed again.
    const longest = long.slice(0, MAX_SOCKET_PATH_BYTES);
    const ino = await listenOwnerOnly(newServer(), longest);
    expect(lstatSync(longest).isSocket()).toBe(true);
    await removeSocketFile(longest, ino);
    expect(existsSync(longest)).toBe(false);
  });
});

describe('resolveGroup', () => {
  const groupFile = (text: string): string => {
    const file = path.join(tempDir(), 'group');
    writeFileSync(file, text);
    return file;
  };

  it('reads names from the group file, skipping comments and NIS lines; a gid is taken as it is', () => {
    const text = '# superloops:x:1:\n+superloops::7:\nroot:x:0:\nsuperloops:x:998:alice,bob\nops:x:1001:\n';
    expect(findGroup(text, 'superloops')).toBe(998);
    expect(findGroup(text, 'ops')).toBe(1001);
    expect(findGroup(text, 'nobody-here')).toBeUndefined();
    const file = groupFile(text);
    expect(resolveGroup('superloops', file)).toBe(998);
    expect(resolveGroup(4242, file)).toBe(4242);
    // Digits that name no group are a gid (socket_group: ${GID} gives a string).
    expect(resolveGroup('4242', file)).toBe(4242);
  });

  it('refuses an unknown name, an unreadable group file (unless given a gid) and a gid out of range, each as CONFIG_INVALID', () => {
    const file = groupFile('root:x:0:\n');
    expect(() => resolveGroup('ops', file)).toThrow(/no group named "ops" in .*group; create it \(groupadd ops\), correct the name, or give its numeric gid/);
    const missing = path.join(tempDir(), 'no-group-file');
    expect(() => resolveGroup('ops', missing)).toThrow(/cannot read .*no-group-file to look the group up \(ENOENT\); give its numeric gid instead/);
    expect(resolveGroup('12', missing)).toBe(12);
    for (const bad of [-1, 1.5, 2 ** 32 - 1]) {
      expect(() => resolveGroup(bad, file)).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }));
    }
  });
});
