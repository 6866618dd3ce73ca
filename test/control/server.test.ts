import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, SuperloopsError } from '../../src/errors.js';
import { listenControl } from '../../src/control/server.js';
import { request } from '../../src/control/client.js';
import { waitFor } from '../helpers.js';
import { call, loopState, rawExchange, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
const extra: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const x of extra.splice(0)) await x.close();
  await h?.close();
  h = undefined;
});

const post = (urlPath: string, body?: unknown) =>
  call(h!.socketPath, 'POST', urlPath, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': 'application/json' });
const get = (urlPath: string) => call(h!.socketPath, 'GET', urlPath);

const expectJsonError = (res: { status: number; json: any; headers: http.IncomingHttpHeaders }, status: number, code: string): void => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json).toEqual({ error: { code, message: expect.any(String) } });
};

const controlLines = () => h!.lines.filter((l) => l.msg === 'Control command');

describe('control API routes', () => {
  it('GET /v1/status answers the daemon status', async () => {
    h = await startHarness();
    const res = await get('/v1/status');
    expect(res.status).toBe(200);
    expect(res.json.result.daemon).toMatchObject({ pid: process.pid, socket: h.socketPath, state: 'running' });
    expect(res.json.result.controller).toMatchObject({ greenLight: true, resetting: false, gaveUp: false });
    expect(res.json.result.controller.loops.map((l: { name: string; state: string }) => [l.name, l.state])).toEqual([
      ['Counter', 'running'],
      ['Spinner', 'running'],
    ]);
    // Read-only: not logged at info.
    expect(h.lines.filter((l) => l.level >= 30 && l.verb === 'status')).toEqual([]);
  });

  it('stop, start, restart and failure act on one loop', async () => {
    h = await startHarness();
    const counter = h.controller.getLoop('Counter');
    expect((await post('/v1/loops/Counter/stop')).json).toEqual({ result: { graceful: true, wasAlive: true } });
    expect(counter.state).toBe('stopped');
    expect((await post('/v1/loops/Counter/start')).json).toEqual({ result: { started: true, generation: 1 } });
    expect(counter.state).toBe('running');
    expect((await post('/v1/loops/Counter/restart')).json).toEqual({ result: { started: true, generation: 2 } });
    expect(counter.generation).toBe(2);
    expect((await post('/v1/loops/Counter/failure')).json).toEqual({ result: { failures: 1 } });
    expect(counter.failures).toBe(1);
    expect(h.target.calls).toEqual(['stop Counter', 'start Counter', 'restart Counter', 'failure Counter']);
  });

  it('hard-reset takes { force: true } and starts the next generation', async () => {
    h = await startHarness({ spinnerGraceMs: 20_000 });
    const began = Date.now();
    const res = await post('/v1/loops/Spinner/hard-reset', { force: true });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: { started: true, generation: 1 } });
    // Forced: the 20 s grace period of the spinning generation was not waited out.
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(h.target.calls).toEqual(['hard-reset Spinner force']);
    // Without a body it is graceful; generation 1 cycles politely and ends within its grace period.
    expect((await post('/v1/loops/Spinner/hard-reset')).json).toEqual({ result: { started: true, generation: 2 } });
    expect(h.target.calls.at(-1)).toBe('hard-reset Spinner');
  });

  it('all-loop start and stop, global reset, reload', async () => {
    h = await startHarness();
    const stopped = await post('/v1/loops/stop');
    // Spinner is terminated if its first cycle had begun spinning, else it stops gracefully: either is a stop.
    expect(stopped.json.result).toEqual({ Counter: { graceful: true, wasAlive: true }, Spinner: { graceful: expect.any(Boolean), wasAlive: true } });
    expect(h.controller.aliveLoops()).toEqual([]);
    const started = await post('/v1/loops/start');
    expect(started.json.result).toEqual({ Counter: { started: true, generation: 1 }, Spinner: { started: true, generation: 1 } });
    const reset = await post('/v1/reset');
    expect(reset.status).toBe(200);
    expect(reset.json.result).toMatchObject({ resetId: expect.any(String), restarted: ['Counter', 'Spinner'] });
    expect(h.controller.resets).toBe(1);
    expect((await post('/v1/reload')).json).toEqual({ result: { added: [], removed: [], changed: [], unchanged: ['Counter', 'Spinner'] } });
    expect(h.target.calls).toEqual(['stop-all', 'start-all', 'reset', 'reload']);
  });

  it('shutdown answers 202 first, then calls target.shutdown()', async () => {
    // Like the real daemon, the shutdown closes the control server (and its connections) at once.
    h = await startHarness({ onShutdown: (harness) => void harness.server.close() });
    const res = await post('/v1/shutdown');
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ result: { shuttingDown: true } });
    await h.shutdownCalled;
    expect(h.target.shutdowns).toBe(1);
    await expect(request(h.socketPath, 'GET', '/v1/status')).rejects.toMatchObject({ code: ErrorCodes.NO_DAEMON });
  });

  it('shutdown with { wait: true } answers 200 with the stop report once target.shutdown() resolves, even as the server closes', async () => {
    h = await startHarness();
    let finish!: () => void;
    const report = { loops: 2, graceful: 1, terminated: 1, timedOut: false, exitCode: 0 };
    // Like the daemon's release(): the report is handed over, then the server closes at once.
    h.target.shutdownWith = () => new Promise((resolve) => (finish = () => resolve(report)));
    let answered = false;
    const res = post('/v1/shutdown', { wait: true }).finally(() => (answered = true));
    await h.shutdownCalled;
    // Begun at once, not after an answer: none has been sent.
    expect(answered).toBe(false);
    expect(h.lines.find((l) => l.msg === 'Control command')).toMatchObject({ verb: 'shutdown', outcome: 'ok' });
    finish();
    const closed = h.server.close();
    expect((await res).status).toBe(200);
    expect((await res).json).toEqual({ result: { shuttingDown: true, stopped: report } });
    await closed;
    await expect(request(h.socketPath, 'GET', '/v1/status')).rejects.toMatchObject({ code: ErrorCodes.NO_DAEMON });
  });

  it('shutdown refuses a "wait" that is not a boolean, and does not begin', async () => {
    h = await startHarness();
    const res = await post('/v1/shutdown', { wait: 'yes' });
    expectJsonError(res, 400, ErrorCodes.BAD_REQUEST);
    expect(res.json.error.message).toContain('"wait" must be true or false');
    expect(h.target.shutdowns).toBe(0);
  });

  it('a shutdown whose client hangs up at once still happens', async () => {
    h = await startHarness();
    const socket = net.connect(h.socketPath);
    await once(socket, 'connect');
    socket.end('POST /v1/shutdown HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.destroy();
    await h.shutdownCalled;
    expect(h.target.shutdowns).toBe(1);
  });

  it('logs every state-changing request with verb, loop, outcome and duration', async () => {
    h = await startHarness();
    await post('/v1/loops/Counter/failure');
    await post('/v1/loops/Nope/stop');
    await post('/v1/reset');
    await get('/v1/status');
    const lines = controlLines().map(({ verb, loop, outcome, level }) => ({ verb, loop, outcome, level }));
    expect(lines).toEqual([
      { verb: 'failure', loop: 'Counter', outcome: 'ok', level: 30 },
      { verb: 'stop', loop: 'Nope', outcome: ErrorCodes.LOOP_NOT_FOUND, level: 30 },
      { verb: 'reset', loop: undefined, outcome: 'ok', level: 30 },
    ]);
    for (const l of controlLines()) expect(l.durationMs).toEqual(expect.any(Number));
  });
});

describe('refusals', () => {
  it('maps errors to statuses, keeps messages, and changes nothing', async () => {
    h = await startHarness();
    const before = loopState(h.controller);

    const unknown = await post('/v1/loops/Nope/start');
    expectJsonError(unknown, 404, ErrorCodes.LOOP_NOT_FOUND);
    expect(unknown.json.error.message).toContain('known loops: Counter, Spinner');

    expectJsonError(await post('/v1/loops/1bad/stop'), 400, ErrorCodes.BAD_REQUEST);
    expectJsonError(await post('/v1/loops/%ZZ/stop'), 400, ErrorCodes.BAD_REQUEST);
    expectJsonError(await post('/v1/loops/Coun%2Fter/stop'), 400, ErrorCodes.BAD_REQUEST);
    expectJsonError(await post(`/v1/loops/${'a'.repeat(65)}/stop`), 400, ErrorCodes.BAD_REQUEST);
    expectJsonError(await post('/v1/loops/Counter/hard-reset', { force: 'yes' }), 400, ErrorCodes.BAD_REQUEST);
    const unknownField = await post('/v1/loops/Counter/stop', { force: true, now: 1 });
    expectJsonError(unknownField, 400, ErrorCodes.BAD_REQUEST);
    // Every problem at once.
    expect(unknownField.json.error.message).toMatch(/unknown field "force".*unknown field "now"/);
    expectJsonError(await post('/v1/loops/Counter/stop', [1]), 400, ErrorCodes.BAD_REQUEST);
    expectJsonError(await post('/v1/loops/Counter/stop', null), 400, ErrorCodes.BAD_REQUEST);

    const invalidJson = await call(h.socketPath, 'POST', '/v1/loops/Counter/stop', '{"force": tru');
    expectJsonError(invalidJson, 400, ErrorCodes.BAD_REQUEST);
    expect(invalidJson.json.error.message).toContain('not valid JSON');

    const notFound = await get('/v1/nope');
    expectJsonError(notFound, 404, ErrorCodes.NOT_FOUND);
    expect(notFound.json.error.message).toContain('POST /v1/loops/{name}/hard-reset');

    const wrongMethod = await get('/v1/loops/Counter/stop');
    expectJsonError(wrongMethod, 405, ErrorCodes.NOT_FOUND);
    expect(wrongMethod.headers.allow).toBe('POST');
    const wrongMethod2 = await call(h.socketPath, 'DELETE', '/v1/status');
    expectJsonError(wrongMethod2, 405, ErrorCodes.NOT_FOUND);
    expect(wrongMethod2.headers.allow).toBe('GET');

    expect(loopState(h.controller)).toEqual(before);
    expect(h.target.calls).toEqual(['start Nope']);
  });

  it('a body over the limit gets 413, declared or streamed, and changes nothing', async () => {
    h = await startHarness({ limits: { maxBodyBytes: 1024 } });
    const before = loopState(h.controller);
    const big = JSON.stringify({ force: true, pad: 'x'.repeat(2000) });
    expectJsonError(await call(h.socketPath, 'POST', '/v1/loops/Counter/hard-reset', big), 413, ErrorCodes.BAD_REQUEST);
    // Chunked: no Content-Length to refuse up front.
    const streamed = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ socketPath: h!.socketPath, method: 'POST', path: '/v1/loops/Counter/hard-reset', agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write('x'.repeat(512));
      req.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.text).error.code).toBe(ErrorCodes.BAD_REQUEST);
    expect(loopState(h.controller)).toEqual(before);
    expect(h.target.calls).toEqual([]);
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('maps the daemon\'s refusals: 422 invalid or unreadable config or module, 409 gave up or stopping, 500 otherwise without a stack', async () => {
    h = await startHarness();
    for (const [code, status] of [
      [ErrorCodes.CONFIG_UNREADABLE, 422],
      [ErrorCodes.MODULE_INVALID, 422],
      [ErrorCodes.CONTROLLER_STOPPED, 409],
    ] as const) {
      h.target.reloadWith = async () => {
        throw new SuperloopsError(code, 'refused');
      };
      expectJsonError(await post('/v1/reload'), status, code);
    }
    h.target.reloadWith = async () => {
      throw new SuperloopsError(ErrorCodes.CONFIG_INVALID, 'loops[0].module: required; add a module path');
    };
    const invalid = await post('/v1/reload');
    expectJsonError(invalid, 422, ErrorCodes.CONFIG_INVALID);
    expect(invalid.json.error.message).toBe('loops[0].module: required; add a module path');
    h.target.reloadWith = async () => {
      throw new SuperloopsError(ErrorCodes.CONTROLLER_GAVE_UP, 'gave up');
    };
    expectJsonError(await post('/v1/reload'), 409, ErrorCodes.CONTROLLER_GAVE_UP);
    h.target.reloadWith = async () => {
      throw new TypeError('cannot read x of undefined');
    };
    const internal = await post('/v1/reload');
    expectJsonError(internal, 500, 'SL_ERR_INTERNAL');
    expect(internal.json.error.message).toContain('cannot read x of undefined');
    expect(internal.text).not.toMatch(/\bat .*\.(ts|js)/);
    h.target.reloadWith = () => {
      throw new SuperloopsError(ErrorCodes.TIMEOUT, 'took too long');
    };
    expectJsonError(await post('/v1/reload'), 500, ErrorCodes.TIMEOUT);
  });
});

describe('the socket file', () => {
  it('is created owner-only (0600)', async () => {
    h = await startHarness();
    const stats = await lstat(h.socketPath);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  it('a second server on a live socket is refused with SL_ERR_SOCKET_IN_USE naming the path', async () => {
    h = await startHarness();
    const second = listenControl({ socketPath: h.socketPath, target: h.target, logger: pino({ level: 'silent' }) });
    await expect(second).rejects.toMatchObject({ code: ErrorCodes.SOCKET_IN_USE, message: expect.stringContaining(h.socketPath) });
    // The first one still serves.
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('a stale socket left by a killed process is reclaimed', async () => {
    h = await startHarness();
    const stale = path.join(h.dir, 'stale.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('ready'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toContain('ready');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect((await lstat(stale)).isSocket()).toBe(true);
    // Nobody accepts on it any more.
    await expect(request(stale, 'GET', '/v1/status')).rejects.toMatchObject({ code: ErrorCodes.NO_DAEMON });

    const server = await listenControl({ socketPath: stale, target: h.target, logger: pino({ level: 'silent' }) });
    extra.push(server);
    expect((await call(stale, 'GET', '/v1/status')).status).toBe(200);
    expect((await stat(stale)).mode & 0o777).toBe(0o600);
  });

  it('a path that is not a socket is refused and left alone', async () => {
    h = await startHarness();
    const file = path.join(h.dir, 'notes.txt');
    await writeFile(file, 'keep me');
    await expect(listenControl({ socketPath: file, target: h.target, logger: pino({ level: 'silent' }) })).rejects.toMatchObject({
      code: ErrorCodes.SOCKET_IN_USE,
      message: expect.stringContaining(`${file} exists and is not a socket`),
    });
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });

  it('close() removes the socket file and ends open connections', async () => {
    h = await startHarness();
    const idle = net.connect(h.socketPath);
    await once(idle, 'connect');
    const closed = once(idle, 'close');
    await h.server.close();
    await closed;
    await expect(lstat(h.socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(request(h.socketPath, 'GET', '/v1/status')).rejects.toMatchObject({ code: ErrorCodes.NO_DAEMON });
    await h.server.close(); // twice is fine
  });
});

describe('misbehaving clients', () => {
  it('a client that disconnects mid-request changes nothing and does not disturb later requests', async () => {
    h = await startHarness();
    const before = loopState(h.controller);
    const socket = net.connect(h.socketPath);
    await once(socket, 'connect');
    // Expect: 100-continue is the handshake: the server answers it once it has the
    // headers and its handler is waiting for the body; then we send half and hang up.
    socket.write('POST /v1/loops/Counter/stop HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n');
    const [interim] = (await once(socket, 'data')) as [Buffer];
    expect(interim.toString()).toMatch(/^HTTP\/1\.1 100 Continue/);
    socket.write('{"for');
    socket.destroy();
    await waitFor(() => controlLines().find((l) => l.verb === 'stop'), { what: 'the cut-off stop to be logged' });
    expect(controlLines().find((l) => l.verb === 'stop')).toMatchObject({ loop: 'Counter', outcome: ErrorCodes.BAD_REQUEST });
    expect((await get('/v1/status')).status).toBe(200);
    expect(loopState(h.controller)).toEqual(before);
    expect(h.target.calls).toEqual([]);
  });

  it('a client that disconnects while its command runs does not stop the command', async () => {
    h = await startHarness({ spinnerGraceMs: 300 });
    const req = http.request({ socketPath: h.socketPath, method: 'POST', path: '/v1/loops/Spinner/hard-reset', agent: false });
    req.on('error', () => {});
    req.end();
    await waitFor(() => h!.target.calls.includes('hard-reset Spinner'), { what: 'the hard reset to begin' });
    req.destroy();
    await waitFor(() => controlLines().find((l) => l.verb === 'hard-reset'), { what: 'the hard reset to finish' });
    expect(controlLines().find((l) => l.verb === 'hard-reset')).toMatchObject({ outcome: 'ok' });
    expect(h.controller.getLoop('Spinner').generation).toBe(1);
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('a slowloris client gets 408 and does not hold up other clients', async () => {
    h = await startHarness({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300 } });
    const began = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const slow = rawExchange(h.socketPath, (socket) => {
      socket.write('GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      // One byte of a header value every 20 ms: its headers never end.
      timer = setInterval(() => socket.writable && socket.write('a'), 20);
    });
    for (let i = 0; i < 5; i++) expect((await get('/v1/status')).status).toBe(200);
    const answer = await slow;
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe(ErrorCodes.BAD_REQUEST);
    expect(Date.now() - began).toBeLessThan(5000);
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('a client whose headers arrive but whose body trickles gets 408 once the request timeout is up', async () => {
    h = await startHarness({ limits: { headersTimeoutMs: 200, requestTimeoutMs: 400 } });
    const began = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const answer = await rawExchange(h.socketPath, (socket) => {
      socket.write('POST /v1/loops/Counter/hard-reset HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      timer = setInterval(() => socket.writable && socket.write(' '), 20);
    });
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Past the headers deadline (the headers were in time), cut at the request deadline.
    expect(Date.now() - began).toBeGreaterThanOrEqual(390);
    expect(h.target.calls).toEqual([]);
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('a command that outlasts the request and keep-alive timeouts still gets its answer', async () => {
    h = await startHarness({ spinnerGraceMs: 600, limits: { headersTimeoutMs: 150, requestTimeoutMs: 150, keepAliveTimeoutMs: 150 } });
    const res = await post('/v1/loops/Spinner/hard-reset');
    expect(res.json).toEqual({ result: { started: true, generation: 1 } });
  });

  it('a kept-alive connection is served request after request, and leaves no timer behind when it closes', async () => {
    // Kept alive longer than the deadlines: a pause between requests must not earn a 408.
    h = await startHarness({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 2000 } });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const socket = net.connect(h.socketPath);
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    const answers = () => text.match(/HTTP\/1\.1 200 /g)?.length ?? 0;
    for (let i = 1; i <= 3; i++) {
      socket.write('GET /v1/status HTTP/1.1\r\n\r\n');
      await waitFor(() => answers() === i, { what: `answer ${i} on the kept-alive connection` });
      if (i === 2) {
        // The stimulus, not a wait for state: quiet past the headers deadline, then a request; it is served.
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    expect(text).not.toMatch(/ 408 /);
    socket.end();
    await once(socket, 'close');
    await waitFor(() => timers() <= before, { what: 'the connection’s deadline timer to be cleared' });
  });

  it('a body the server never read does not switch off the next request\'s deadline', async () => {
    h = await startHarness({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 300 } });
    let timer: NodeJS.Timeout | undefined;
    const answer = await rawExchange(h.socketPath, (socket) => {
      // Refused before its body is read (no such route): Node drains the body after the answer.
      socket.write('POST /v1/nope HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello');
      socket.once('data', () => {
        // Then the next request's headers, a byte at a time, never ending.
        socket.write('GET /v1/status HTTP/1.1\r\nX-Slow: ');
        timer = setInterval(() => socket.writable && socket.write('a'), 20);
      });
    });
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer).toMatch(/HTTP\/1\.1 408 /);
  });

  it('an idle connection that sends nothing is closed', async () => {
    h = await startHarness({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300 } });
    const answer = await rawExchange(h.socketPath, () => {});
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('malformed HTTP gets a 400 JSON error', async () => {
    h = await startHarness();
    const answer = await rawExchange(h.socketPath, (s) => s.write('HELLO\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe(ErrorCodes.BAD_REQUEST);
    const header = await rawExchange(h.socketPath, (s) => s.write(`GET /v1/status HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(header).toMatch(/^HTTP\/1\.1 431 /);
    const tunnel = await rawExchange(h.socketPath, (s) => s.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    expect(tunnel).toMatch(/^HTTP\/1\.1 405 /);
    expect(JSON.parse(tunnel.slice(tunnel.indexOf('\r\n\r\n') + 4)).error.code).toBe(ErrorCodes.NOT_FOUND);
  });

  it('200 concurrent status requests all succeed or fail cleanly', async () => {
    h = await startHarness();
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => get('/v1/status')));
    const ok = results.filter((r) => r.status === 'fulfilled');
    for (const r of ok) expect((r as PromiseFulfilledResult<{ status: number; json: any }>).value.json.result.controller.loops).toHaveLength(2);
    for (const r of results) {
      if (r.status === 'rejected') expect(['ECONNRESET', 'EPIPE']).toContain((r.reason as NodeJS.ErrnoException).code);
    }
    // Connections past maxConnections (64) may be dropped; the ones accepted are answered.
    expect(ok.length).toBeGreaterThanOrEqual(64);
    expect((await get('/v1/status')).status).toBe(200);
  });
});
