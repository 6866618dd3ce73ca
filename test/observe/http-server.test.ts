import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopController, type ControllerOptions, type ControllerStatus, type LoopSpec } from 'superloops';
import { listenHttp, type HttpOptions } from '../../src/observe/http-server.js';
import { captureLogger, fixture, nextEvent, waitFor, within, type LogLine } from '../helpers.js';
import { parsePromText, value } from './prom-text.js';

interface Harness {
  controller: LoopController;
  lines: LogLine[];
  base: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: ControllerOptions = {}, loops: LoopSpec[] = [], http: Partial<HttpOptions> = {}): Promise<Harness> {
  const { logger, lines } = captureLogger();
  const controller = new LoopController({ logger, ...options });
  cleanups.push(() => controller.stop());
  for (const spec of loops) controller.newLoop(spec);
  const listener = await listenHttp({ host: '127.0.0.1', port: 0, controller, logger, ...http });
  cleanups.push(() => listener.close());
  return { controller, lines, base: `http://127.0.0.1:${listener.port}`, ...listener };
}

/** A raw TCP connection to the listener, for what fetch cannot do: half requests, idle sockets. */
function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sent until the connection closed. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => {});
    socket.once('close', () => resolve(received));
  });
}

/** Resolves with the first bytes the server sends on `socket`. */
function firstData(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
}

const loop = (name: string, fixtureName: string, extra: Partial<LoopSpec> = {}): LoopSpec => ({ name, module: fixture(fixtureName), ...extra });

async function get(h: Harness, path: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: any; text: string; headers: Headers }> {
  const res = await fetch(h.base + path, init);
  const text = await res.text();
  const type = res.headers.get('content-type');
  return { status: res.status, type, text, headers: res.headers, body: type?.startsWith('application/json') && text !== '' ? JSON.parse(text) : undefined };
}

/** What a request could change: everything in status() but the figures that move by themselves while loops run. */
function stable(status: ControllerStatus): unknown {
  return {
    ...status,
    loops: status.loops.map(({ name, state, running, alive, generation, thread, startedAt, failuresByKind, restarts, failures }) => ({
      name,
      state,
      running,
      alive,
      generation,
      thread,
      startedAt,
      failuresByKind,
      restarts,
      failures,
    })),
  };
}

describe('listenHttp', () => {
  it('binds the given host on a free port when asked for port 0, reports it and logs HTTP listening', async () => {
    const h = await serve();
    expect(h.host).toBe('127.0.0.1');
    expect(h.port).toBeGreaterThan(0);
    expect(h.lines.find((l) => l.msg === 'HTTP listening')).toMatchObject({ host: '127.0.0.1', port: h.port });
  });

  it('binds 127.0.0.1 when no host is given', async () => {
    const { logger } = captureLogger();
    const controller = new LoopController({ logger });
    const listener = await listenHttp({ port: 0, controller, logger });
    cleanups.push(() => listener.close());
    expect(listener.host).toBe('127.0.0.1');
  });

  it('/healthz answers 200 {"status":"ok"} as JSON', async () => {
    const h = await serve();
    const res = await get(h, '/healthz');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz is 503 until the autostart loops run, ignores loops with autostart: false, then is 200', async () => {
    const h = await serve({}, [loop('ApiFeedLoop', 'counts-cycles'), loop('Manual', 'counts-cycles', { autostart: false })]);
    const before = await get(h, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toEqual({ ready: false, reasons: ['loop ApiFeedLoop is stopped'] });

    await h.controller.start();
    const after = await get(h, '/readyz');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ ready: true });
  });

  it('/readyz is 503 during a global reset and 200 again once it completes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inCallback!: () => void;
    const callbackRan = new Promise<void>((resolve) => (inCallback = resolve));
    const h = await serve(
      {
        resetCallback: () => {
          inCallback();
          return gate;
        },
      },
      [loop('Feed', 'counts-cycles')],
    );
    await h.controller.start();
    expect((await get(h, '/readyz')).status).toBe(200);

    const reset = h.controller.reset();
    try {
      await callbackRan;
      const during = await get(h, '/readyz');
      expect(during.status).toBe(503);
      expect(during.body).toEqual({ ready: false, reasons: ['green light is off', 'reset in progress', 'loop Feed is stopped'] });
      // Resetting is not dying.
      expect((await get(h, '/healthz')).status).toBe(200);
    } finally {
      release();
      await reset;
    }
    const after = await get(h, '/readyz');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ ready: true });
  });

  it('/readyz is 503 naming a loop that is restarting after a crash, and 200 once it runs again', async () => {
    // The first restart is immediate; the second crash in a row waits restartDelayMs, a
    // minute here: the loop stays 'restarting' until the test starts it itself.
    const h = await serve({}, [loop('ApiFeedLoop', 'exits-in-early-generations', { options: { generations: 2 }, resetGlobally: false, restartDelayMs: 60_000 })]);
    const feed = h.controller.getLoop('ApiFeedLoop');
    const delayed = nextEvent(feed, 'restartScheduled', (e: { attempt: number }) => e.attempt === 2);
    const restarted = nextEvent(feed, 'started', (e: { generation: number }) => e.generation === 2);
    await h.controller.start();
    await delayed;

    const during = await get(h, '/readyz');
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ ready: false, reasons: ['loop ApiFeedLoop is restarting'] });

    // start() cancels the pending restart and starts the next generation now.
    await feed.start();
    await restarted;
    const after = await get(h, '/readyz');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ ready: true });
  });

  it('once the controller gives up, /healthz and /readyz are 503', async () => {
    const h = await serve({ maxResets: 0 }, [loop('Doomed', 'counts-cycles')]);
    await h.controller.start();
    await expect(h.controller.reset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });

    const live = await get(h, '/healthz');
    expect(live.status).toBe(503);
    expect(live.body).toMatchObject({ status: 'gave-up' });
    const ready = await get(h, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.reasons).toEqual(['controller gave up', 'loop Doomed is stopped']);
  });

  it('/metrics serves the Prometheus text of this controller, and ignores a query string', async () => {
    const h = await serve({}, [loop('Scraped', 'counts-cycles')]);
    await h.controller.start();
    h.controller.getLoop('Scraped').failure();

    const res = await get(h, '/metrics?debug=1');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = parsePromText(res.text);
    expect(value(text, 'superloops_loop_up', { loop: 'Scraped' })).toBe(1);
    expect(value(text, 'superloops_loop_failures_total', { loop: 'Scraped', kind: 'reported' })).toBe(1);
    expect(text.types.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('answers every method but GET with 405 and Allow: GET, on every path, and changes nothing', async () => {
    const h = await serve({}, [loop('Untouched', 'counts-cycles')]);
    await h.controller.start();
    const before = stable(h.controller.status());

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      for (const path of ['/metrics', '/healthz', '/readyz', '/loops/Untouched/stop', '/reset']) {
        const res = await get(h, path, { method, ...(method === 'POST' || method === 'PUT' ? { body: '{"loop":"Untouched"}' } : {}) });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET');
        if (method !== 'HEAD') expect(res.body.error.code).toBe('SL_ERR_BAD_REQUEST');
      }
    }
    expect(stable(h.controller.status())).toEqual(before);
    expect(h.controller.resets).toBe(0);
  });

  it('answers a GET that declares a body with 413 JSON and closes at once, never reading the body; then serves again', async () => {
    // A request deadline far off: a server that waited for the body would still be waiting when the test fails.
    const h = await serve({}, [], { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    const tenMiB = 10 * 1024 * 1024;
    for (const framing of [`Content-Length: ${tenMiB}`, 'Content-Length: 10000000000', 'Transfer-Encoding: chunked', `Expect: 100-continue\r\nContent-Length: ${tenMiB}`]) {
      const socket = await connect(h.port);
      // Only the headers are sent: the answer and the close must come without a byte of the body.
      socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n`);
      const answer = await within(untilClosed(socket), 2000, `the 413 and the close for ${framing}`);
      expect(answer, framing).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).toBe('SL_ERR_BAD_REQUEST');
      expect(body.error.message).toContain('must not carry a body');
    }
    // A body of zero bytes is no body.
    const empty = await connect(h.port);
    empty.end('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(await within(untilClosed(empty), 2000, 'the answer to a GET with Content-Length: 0')).toMatch(/^HTTP\/1\.1 200 /);
    expect((await get(h, '/healthz')).status).toBe(200);
  });

  it('answers headers over 8 KiB with 431 JSON and closes; a request just under the limit is served', async () => {
    const h = await serve();
    const big = await connect(h.port);
    big.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(9 * 1024)}\r\n\r\n`);
    const answer = await within(untilClosed(big), 2000, 'the 431 and the close');
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('SL_ERR_BAD_REQUEST');
    const fits = await connect(h.port);
    fits.end(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(7 * 1024)}\r\nConnection: close\r\n\r\n`);
    expect(await within(untilClosed(fits), 2000, 'the answer to a request under the limit')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers an unknown path with 404 JSON naming the routes', async () => {
    const h = await serve();
    for (const path of ['/', '/metrics/', '/status', '/__proto__', '/HEALTHZ']) {
      const res = await get(h, path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('SL_ERR_NOT_FOUND');
    }
    expect((await get(h, '/nope')).body.error.message).toContain('/healthz, /readyz, /metrics');
  });

  it('answers 500 JSON and logs the error when reading the metrics throws; health still answers', async () => {
    const h = await serve();
    // Shadows the class getter on this instance; deleting it restores the real one for cleanup.
    Object.defineProperty(h.controller, 'loops', {
      configurable: true,
      get() {
        throw new Error('boom');
      },
    });
    const res = await get(h, '/metrics');
    delete (h.controller as { loops?: unknown }).loops;
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain('see the daemon log');
    expect(h.lines.find((l) => l.msg === 'HTTP request failed')).toMatchObject({ err: { message: 'boom' } });
    expect((await get(h, '/healthz')).status).toBe(200);
  });

  it('cuts off a client that never finishes its headers, and answers others meanwhile', async () => {
    const h = await serve({}, [], { headersTimeoutMs: 200 });
    const slow = await connect(h.port);
    slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect((await get(h, '/healthz')).status).toBe(200);
    // The server answers 408 and closes: an event, not a sleep.
    expect(await untilClosed(slow)).toMatch(/^HTTP\/1\.1 408/);
  });

  it('drops connections past maxConnections, logs it, and serves again once one closes', async () => {
    const h = await serve({}, [], { maxConnections: 1 });
    // A keep-alive connection that has been answered is surely counted by the server.
    const held = await connect(h.port);
    const answered = firstData(held);
    held.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await answered).toMatch(/^HTTP\/1\.1 200/);
    const extra = await connect(h.port);
    extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await untilClosed(extra)).toBe('');
    expect(h.lines.find((l) => l.msg === 'HTTP connection dropped')).toMatchObject({ dropped: 1, maxConnections: 1 });

    held.end();
    await untilClosed(held);
    const res = await waitFor(() => get(h, '/healthz').catch(() => undefined), { what: 'a request to be served after the held connection closed' });
    expect(res.status).toBe(200);
  });

  it('close() stops accepting connections and can be called twice', async () => {
    const h = await serve();
    expect((await get(h, '/healthz')).status).toBe(200);
    await h.close();
    await h.close();
    await expect(fetch(`${h.base}/healthz`)).rejects.toThrow();
    expect(h.lines.some((l) => l.msg === 'HTTP closed')).toBe(true);
  });
});
