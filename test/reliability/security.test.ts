import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/control/routes.js';
import { fixture, waitFor } from '../helpers.js';
import { cleanup, CLI_BIN, DaemonProcess, httpRequest, tempDir, writeManifest, type Answer } from './daemon-process.js';

// What the daemon promises a hostile or careless client: an owner-only socket,
// nothing mutating over TCP, bounded requests and connections, secrets from the
// environment never shown, and no code run that the manifest on disk does not name.

const SECRET = `sl-secret-${randomUUID()}`;
// Interpolation happens after YAML parsing: characters YAML cares about are just characters.
const ODD_SECRET = `we!rd: #${randomUUID().slice(0, 8)} "q" {x}`;
const env = { ...process.env, SL_TEST_SECRET: SECRET, SL_TEST_ODD_SECRET: ODD_SECRET };
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const HOLDS_SECRET = fileURLToPath(new URL('./fixtures/holds-secret.ts', import.meta.url));
const TEN_MIB = 10 * 1024 * 1024;
const LOOP_NAMES = ['keeper', 'other'];

let dir: string;
let socket: string;
let manifest: string;
let daemon: DaemonProcess;
let http: { host: string; port: number };

const goodManifest = {
  controller: { http: { port: 0 } },
  loops: [
    {
      name: 'keeper',
      module: HOLDS_SECRET,
      options: { token: '${SL_TEST_SECRET}', odd: '${SL_TEST_ODD_SECRET}', nested: { list: ['Bearer ${SL_TEST_SECRET}'] } },
    },
    { name: 'other', module: fixture('counts-cycles') },
  ],
};

beforeAll(async () => {
  dir = tempDir();
  socket = path.join(dir, 'ctl.sock');
  manifest = writeManifest(dir, goodManifest);
  daemon = await DaemonProcess.start({ manifest, socket, env, args: ['--log-level', 'debug'] });
  http = (daemon.records.find((r) => r.msg === 'Daemon ready')!.http as { host: string; port: number })!;
  await daemon.waitForLine((r) => r.loop === 'keeper' && r.msg === 'holding secrets', { what: 'keeper to start' });
});

afterAll(cleanup);

/** The parts of status that no refused request may change. */
async function fingerprint(): Promise<unknown> {
  const status = await daemon.status();
  return {
    pid: status.daemon.pid,
    state: status.daemon.state,
    resets: status.controller.resets,
    loops: status.controller.loops.map((l: any) => ({ name: l.name, alive: l.alive, generation: l.generation, failures: l.failuresByKind, restarts: l.restarts })),
  };
}

const tcp = (method: string, urlPath: string, body?: unknown): Promise<Answer> =>
  httpRequest({ host: http.host, port: http.port, method, path: urlPath }, body === undefined ? undefined : JSON.stringify(body));

const concretePath = (template: string): string => template.replace('{name}', 'keeper');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, '--socket', socket, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Sends `head`, then up to `size` bytes of body (Content-Length or chunked),
 * one 64 KiB piece at a time, and stops writing as soon as the server answers;
 * resolves with everything it sent back until it closed the connection. (Writing
 * on after the answer would only fail with EPIPE and lose the answer unread.)
 */
function sendLarge(connect: () => net.Socket, head: string, size: number, chunked: boolean, { answerFirstMs = 0 } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect();
    let received = '';
    let closed = false;
    const timer = setTimeout(() => reject(new Error(`the server neither answered nor closed within 10 s; it sent: ${received.slice(0, 200)}`)), 10_000);
    conn.on('data', (chunk: Buffer) => (received += chunk.toString()));
    conn.on('error', () => {});
    conn.once('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve(received);
    });
    const piece = Buffer.alloc(64 * 1024, 'a');
    const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
    let sent = 0;
    const pump = (): void => {
      if (closed || received !== '') return;
      if (sent >= size) return void (chunked && conn.write('0\r\n\r\n'));
      sent += piece.length;
      // The next piece only once this one is with the kernel and the event loop has had a turn to read an answer.
      conn.write(framed, () => setImmediate(pump));
    };
    // With answerFirstMs, give the server that long to refuse on the headers alone before any body is sent.
    conn.write(`${head}${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`}\r\n\r\n`, () => setTimeout(pump, answerFirstMs));
  });
}

describe('the control socket', () => {
  it('is a socket file only its owner can read or write (mode 0600)', () => {
    const stats = lstatSync(socket);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.uid).toBe(process.getuid!());
  });
});

describe('the TCP listener', () => {
  it('reaches no control route with any method: 404 or 405, and nothing changes', async () => {
    const before = await fingerprint();
    const tried: string[] = [];
    for (const route of ROUTES) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
        const answer = await tcp(method, concretePath(route.path), method === 'GET' ? undefined : { force: true });
        tried.push(`${method} ${route.path} → ${answer.status}`);
        expect([404, 405], `${method} ${route.path} over TCP`).toContain(answer.status);
        expect(answer.body?.result).toBeUndefined();
      }
    }
    expect(tried.length).toBe(ROUTES.length * 5);
    expect(await fingerprint()).toEqual(before);
    expect(daemon.records.some((r) => r.msg === 'Shutting down')).toBe(false);
  });
});

describe('bounds on what a client can cost', () => {
  it('a 10 MiB request body gets 413 (declared or chunked), is never acted on, and the daemon lives on', async () => {
    const before = await fingerprint();
    const overSocket = (): net.Socket => net.connect(socket);
    const head = 'POST /v1/loops/keeper/failure HTTP/1.1\r\nHost: superloops\r\nContent-Type: application/json\r\n';
    for (const chunked of [false, true]) {
      const answer = await sendLarge(overSocket, head, TEN_MIB, chunked);
      expect(answer, chunked ? 'chunked body' : 'Content-Length body').toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('SL_ERR_BAD_REQUEST');
    }
    // The TCP listener refuses on the headers alone (it serves GET only) and closes. Over TCP a close with
    // body bytes still unread resets the connection, and the reset discards the answer before the client
    // reads it: so the body waits for the refusal here.
    const overTcp = (): net.Socket => net.connect(http.port, http.host);
    expect(await sendLarge(overTcp, 'POST /metrics HTTP/1.1\r\nHost: superloops\r\n', TEN_MIB, false, { answerFirstMs: 2000 })).toMatch(/^HTTP\/1\.1 405 /);
    expect((await tcp('GET', '/healthz')).status).toBe(200);

    expect(await fingerprint()).toEqual(before); // keeper got no failure: the body was never read to the end
  });

  it('survives 400 connections at once on the socket and on TCP, drops those past its limit, and serves status after', async () => {
    const fdsBefore = daemon.fdCount();
    for (const [what, connect] of [
      ['socket', () => net.connect(socket)],
      ['tcp', () => net.connect(http.port, http.host)],
    ] as const) {
      const conns: net.Socket[] = [];
      let closedByServer = 0;
      for (let i = 0; i < 400; i++) {
        const conn = connect();
        conn.on('error', () => {});
        conn.once('close', () => closedByServer++);
        conns.push(conn);
      }
      // The daemon keeps 64 and closes the rest as soon as it accepts them.
      await waitFor(() => closedByServer >= 400 - 64 - 8, { timeoutMs: 10_000, what: `the daemon to drop the ${what} connections past its limit` });
      for (const conn of conns) conn.destroy();
      const answer = await daemon.request('GET', '/v1/status', undefined, { timeoutMs: 1000 });
      expect(answer.status, `status after the ${what} flood`).toBe(200);
    }
    // Every connection's descriptor is released.
    await waitFor(() => daemon.fdCount() <= fdsBefore + 2, { timeoutMs: 5000, what: "the daemon's descriptors to go back to what they were" });
  });
});

describe('values from ${VAR}', () => {
  it('reach the loop', async () => {
    const held = await daemon.waitForLine((r) => r.msg === 'holding secrets', { what: 'the secret-holding loop' });
    expect(held.sha256).toEqual({ token: sha256(SECRET), odd: sha256(ODD_SECRET) });
  });

  it('never show in status (socket and CLI, JSON and text) or /metrics', async () => {
    const views = [
      (await daemon.request('GET', '/v1/status')).text,
      (await cli(['ctl', 'status', '--json'])).stdout,
      (await cli(['ctl', 'status'])).stdout,
      (await tcp('GET', '/metrics')).text,
      (await tcp('GET', '/readyz')).text,
    ];
    expect(views[1]).toContain('keeper'); // the views are real
    for (const text of views) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ODD_SECRET);
    }
  });

  it('never show in the errors of a reload whose manifest puts them in wrong-typed fields, and nothing changes', async () => {
    const before = await fingerprint();
    const bad = structuredClone(goodManifest) as any;
    Object.assign(bad.loops[0], { grace_period: '${SL_TEST_SECRET}', max_loop_failures: '${SL_TEST_ODD_SECRET}', restart: '${SL_TEST_SECRET}' });
    bad.loops[1].module = './${SL_TEST_SECRET}.ts'; // no such file
    writeManifest(dir, bad);
    try {
      const answer = await daemon.request('POST', '/v1/reload');
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('SL_ERR_CONFIG_INVALID');
      expect(answer.body.error.message).toMatch(/grace_period/); // the error is about those fields
      const viaCli = await cli(['ctl', 'reload']);
      expect(viaCli.code).toBe(1);
      daemon.signal('SIGHUP');
      const rejected = await daemon.waitForLine((r) => r.msg === 'Reload rejected, nothing changed', { what: 'the SIGHUP reload to be rejected' });
      for (const text of [answer.text, viaCli.stdout, viaCli.stderr, JSON.stringify(rejected)]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(ODD_SECRET);
      }
    } finally {
      writeManifest(dir, goodManifest);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it('never show when the daemon refuses to start on such a manifest', async () => {
    const badDir = tempDir();
    const bad = structuredClone(goodManifest) as any;
    bad.controller = { shutdown_timeout: '${SL_TEST_SECRET}' };
    bad.loops[0].memory_limit_mb = '${SL_TEST_ODD_SECRET}';
    const refused = await DaemonProcess.start({ manifest: writeManifest(badDir, bad), socket: path.join(badDir, 'ctl.sock'), env, ready: false });
    expect((await refused.exitWithin(10_000, 'the daemon to refuse the manifest')).code).toBe(1);
    await refused.drained;
    expect(refused.stderr).toMatch(/shutdown_timeout/);
    for (const text of [refused.stderr, ...refused.raw]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ODD_SECRET);
    }
  });
});

describe('code the daemon runs', () => {
  it('comes only from the manifest on disk: no route takes a module or manifest path', async () => {
    const marker = path.join(dir, 'evil-ran');
    const evil = path.join(dir, 'evil.ts');
    writeFileSync(
      evil,
      `import { writeFileSync } from 'node:fs';\nimport { SuperLoop } from 'superloops';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n` +
        'export default class Evil extends SuperLoop { cycle(): void {} }\n',
    );
    const evilManifest = writeManifest(dir, { loops: [{ name: 'evil', module: evil }] }, 'evil.yaml');
    const bodies = [
      { module: evil },
      { path: evil },
      { name: 'evil', module: evil },
      { loops: [{ name: 'evil', module: evil }] },
      { manifest: evilManifest },
      { file: evilManifest },
      { force: true, module: evil },
    ];
    const before = await fingerprint();
    for (const route of ROUTES) {
      for (const body of bodies) {
        const answer = await daemon.request(route.method, concretePath(route.path), body);
        expect(answer.status, `${route.method} ${route.path} with ${Object.keys(body).join(', ')}`).toBe(400);
        expect(answer.body.error.code).toBe('SL_ERR_BAD_REQUEST');
      }
    }
    // Query strings are not read at all: these act as without them.
    const q = `?module=${encodeURIComponent(evil)}&manifest=${encodeURIComponent(evilManifest)}`;
    expect((await daemon.request('POST', `/v1/reload${q}`)).body.result).toEqual({ added: [], removed: [], changed: [], unchanged: LOOP_NAMES });
    expect((await daemon.request('POST', `/v1/loops/start${q}`)).status).toBe(200);
    expect((await daemon.request('POST', `/v1/loops/evil/start${q}`)).status).toBe(404);
    expect((await daemon.request('POST', `/v1/loops/${encodeURIComponent(evil)}/start`)).status).toBe(400);

    expect(await fingerprint()).toEqual(before);
    expect((await daemon.status()).controller.loops.map((l: any) => l.name)).toEqual(LOOP_NAMES);
    expect(existsSync(marker)).toBe(false);
    // Nothing loaded, compiled or started it (the debug lines of the requests themselves name it in their URLs).
    const requestLines = new Set(['Control request', 'Control command']);
    expect(daemon.records.filter((r) => !requestLines.has(r.msg!) && (r.loop === 'evil' || JSON.stringify(r).includes(evil)))).toEqual([]);
  });
});

describe('the whole log', () => {
  it('never shows a value from ${VAR}, from start to "Stopped"', async () => {
    daemon.signal('SIGTERM');
    expect((await daemon.exitWithin(10_000, 'exit after SIGTERM')).code).toBe(0);
    await daemon.drained;
    expect(daemon.records[daemon.records.length - 1]!.msg).toBe('Stopped');
    expect(daemon.raw.length).toBeGreaterThan(50); // debug level: every request was logged
    for (const text of [...daemon.raw, daemon.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ODD_SECRET);
    }
  });
});
