import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, loopState, rawExchange, startHarness, type Harness } from './harness.js';

/**
 * Random bytes and random near-HTTP at the socket. Requests are built so that
 * none can be a valid state-changing command (a POST body always starts with
 * "x", which is never JSON, and carries a correct Content-Length), so the
 * loops must be exactly as they were at the end, and the target never called.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 } });
});
afterAll(async () => {
  await h?.close();
});

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'P0ST', ''];
const NAMES = ['Counter', 'Spinner', 'Nope', '1bad', '%ZZ', '%2F', 'a%00b', '', 'x'.repeat(70), '..', '%E2%98%83'];
const ACTIONS = ['start', 'stop', 'restart', 'hard-reset', 'failure', 'nope', ''];
const PATHS = ['/v1/status', '/v1/reset', '/v1/reload', '/v1/shutdown', '/v1/loops/start', '/v1/loops/stop', '/', '*', '/v2/status', '//v1/status', '/v1/status?x=1#y', 'http://h/v1/status'];

const token = fc.string({ unit: fc.constantFrom(...'abcXYZ-_.:/%?#@!~ \t\r\n\u0000é'.split('')), maxLength: 20 });
const method = fc.oneof(fc.constantFrom(...METHODS), token);
const urlPath = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...ACTIONS)).map(([n, a]) => `/v1/loops/${n}/${a}`),
  token.map((t) => `/v1/${t}`),
  token,
);
const FRAMING = /^(content-length|transfer-encoding)$/i;
const header = fc.oneof(
  fc.constantFrom(
    ['Content-Type', 'application/json'],
    ['Expect', '100-continue'],
    ['Expect', 'teapot'],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Connection', 'close'],
    ['Host', ''],
    ['X-Big', 'v'.repeat(20_000)],
  ),
  fc.tuple(token, token),
);
const body = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"force": true', 'null', '[]', '{"force":"yes"}', '\u0000\u0001'));

/** A request whose every part may be wrong, but which can never be a valid command. */
const nearHttp = fc
  .record({
    method,
    urlPath,
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1', 'HTTP/1.1', 'http/1.1', ''),
    headers: fc.array(header, { maxLength: 6 }),
    body,
    chunked: fc.boolean(),
  })
  .map(({ method: m, urlPath: p, version, headers, body: b, chunked }) => {
    const bytes = Buffer.from(`x${b}`, 'utf8');
    const lines = headers.filter(([name]) => !FRAMING.test(name)).map(([name, value]) => `${name}: ${value}`);
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${bytes.length}`;
    const payload = chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')]) : bytes;
    return { method: m, answered: true, bytes: Buffer.concat([Buffer.from(`${m} ${p} ${version}\r\n${[...lines, framing].join('\r\n')}\r\n\r\n`, 'latin1'), payload]) };
  });
const rawBytes = fc.uint8Array({ maxLength: 300 }).map((a) => ({ method: '?', answered: false, bytes: Buffer.from(a) }));
/** A valid status request with some bytes flipped. */
const mutatedStatus = fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
  const bytes = Buffer.from('GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n');
  for (const [at, value] of flips) bytes[at % bytes.length] = value;
  return { method: 'GET?', answered: true, bytes };
});

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Every complete response in `text` (HTTP/1.1 with Content-Length, as the server writes them). */
function parseResponses(text: string): Parsed[] {
  const out: Parsed[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    expect(end, `a response head in ${JSON.stringify(rest.slice(0, 200))}`).toBeGreaterThan(0);
    const [statusLine, ...headerLines] = rest.slice(0, end).split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!);
    expect(match, `a status line, got ${JSON.stringify(statusLine)}`).not.toBeNull();
    const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const status = Number(match![1]);
    const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
    out.push({ status, headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe('control API fuzz', () => {
  it('survives random requests: JSON errors for every refusal, nothing changed', async () => {
    const before = loopState(h.controller);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(nearHttp, rawBytes, mutatedStatus), async ({ method: m, answered, bytes }) => {
        const text = await rawExchange(h.socketPath, (socket) => socket.end(bytes), 5000);
        // Anything that starts like a request gets an answer, not a silent hang-up.
        if (answered) expect(text, 'an answer').not.toBe('');
        if (m.toUpperCase().startsWith('HEAD')) {
          // An answer to HEAD has a Content-Length but no body (unless the head was malformed): check the status only.
          if (text !== '') expect(Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1])).toBeLessThan(500);
          return;
        }
        for (const res of parseResponses(text)) {
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, 'no request makes the server fail').toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers['content-type']).toMatch(/^application\/json/);
            expect(JSON.parse(res.body)).toEqual({ error: { code: expect.stringMatching(/^SL_ERR_[A-Z_]+$/), message: expect.any(String) } });
          }
        }
      }),
      // Bounded in time as well as in runs, so a loaded machine gets fewer runs, not a timeout.
      { numRuns: 1000, interruptAfterTimeLimit: 4000 },
    );
    // The runs reached the routes, not only the parser.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 404, 405]));
    const status = await call(h.socketPath, 'GET', '/v1/status');
    expect(status.status).toBe(200);
    expect(status.json.result.controller.loops).toHaveLength(2);
    expect(loopState(h.controller)).toEqual(before);
    expect(h.target.calls).toEqual([]);
  });
});
