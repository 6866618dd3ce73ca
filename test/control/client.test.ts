import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../../src/control/client.js';
import { ErrorCodes } from '../../src/errors.js';
import { startHarness, type Harness } from './harness.js';

// The ctl client speaks HTTP on a bare socket (see client.ts). These tests hold
// it to the real control server, and to sockets that answer what no superloops
// daemon would, each of which must end in a clear error, never a hang.

let h: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await h?.close();
  h = undefined;
});

/** A Unix socket server that treats every connection with `onConnection`. */
async function rawServer(onConnection: (socket: net.Socket) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slc-raw-'));
  const socketPath = path.join(dir, 'raw.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  return socketPath;
}

/** Answers `answer` once the request head has arrived, then closes. */
const answering = (answer: string | Buffer) => (socket: net.Socket) =>
  socket.once('data', () => socket.end(answer));

describe('the control client against the real server', () => {
  it('gets the status', async () => {
    h = await startHarness();
    const response = await request(h.socketPath, 'GET', '/v1/status');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ result: { controller: { loops: expect.any(Array) } } });
  });

  it('sends a JSON body the server reads', async () => {
    h = await startHarness();
    // The server names the unknown key, which proves the body arrived whole.
    const response = await request(h.socketPath, 'POST', '/v1/loops/Counter/hard-reset', { force: true, colour: 'blue' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: ErrorCodes.BAD_REQUEST, message: expect.stringContaining('colour') } });
  });

  it('hands back refusals as answers, not errors', async () => {
    h = await startHarness();
    const response = await request(h.socketPath, 'POST', '/v1/loops/Nobody/stop');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { code: ErrorCodes.LOOP_NOT_FOUND } });
  });
});

describe('the control client against sockets that are not a superloops daemon', () => {
  const ok = '{"result":{"fine":true}}';

  it('reassembles an answer that arrives a byte at a time', async () => {
    const answer = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${ok.length}\r\n\r\n${ok}`);
    const socketPath = await rawServer((socket) =>
      socket.once('data', async () => {
        for (const byte of answer) {
          // One write per event-loop turn, so the client really sees separate chunks.
          await new Promise((resolve) => socket.write(Buffer.of(byte), resolve));
        }
      }),
    );
    await expect(request(socketPath, 'GET', '/v1/status')).resolves.toEqual({ status: 200, body: { result: { fine: true } } });
  });

  it.each([
    ['something that is not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', /not HTTP/],
    ['no Content-Length', `HTTP/1.1 200 OK\r\n\r\n${ok}`, /without a Content-Length/],
    ['a body that is not JSON', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', /not JSON/],
    ['an answer cut off before its length', `HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n${ok}`, /cut-off answer/],
  ])('%s: SL_ERR_NO_DAEMON asking whether it is a daemon', async (_what, answer, message) => {
    const socketPath = await rawServer(answering(answer));
    const error = await request(socketPath, 'GET', '/v1/status').catch((err: unknown) => err);
    expect(error).toMatchObject({ code: ErrorCodes.NO_DAEMON, message: expect.stringMatching(message) });
    expect((error as Error).message).toMatch(/is it a superloops daemon\?/);
  });

  it('a peer that hangs up without a word: SL_ERR_NO_DAEMON saying it hung up', async () => {
    const socketPath = await rawServer((socket) => socket.once('data', () => socket.end()));
    await expect(request(socketPath, 'GET', '/v1/status')).rejects.toMatchObject({
      code: ErrorCodes.NO_DAEMON,
      message: expect.stringMatching(/hung up without answering/),
    });
  });

  it('a peer that never answers: SL_ERR_TIMEOUT after the timeout', async () => {
    const socketPath = await rawServer(() => {});
    await expect(request(socketPath, 'GET', '/v1/status', undefined, { timeoutMs: 200 })).rejects.toMatchObject({
      code: ErrorCodes.TIMEOUT,
      message: expect.stringMatching(/within 200 ms/),
    });
  });

  it('nothing at the path: SL_ERR_NO_DAEMON saying how to start one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slc-none-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await expect(request(path.join(dir, 'none.sock'), 'GET', '/v1/status')).rejects.toMatchObject({
      code: ErrorCodes.NO_DAEMON,
      message: expect.stringMatching(/superloopsd start/),
    });
  });
});
