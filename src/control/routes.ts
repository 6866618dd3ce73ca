import { ErrorCodes, SuperloopsError } from '../errors.js';
import { API_PREFIX, LOOP_NAME_PATTERN, LOOP_NAME_RULE, type ShutdownResult } from './protocol.js';
import type { ControlTarget } from './target.js';

/** What a route handler gets: the loop named in the path (if the route has one) and the validated body. */
export interface RouteInput {
  name: string;
  force: boolean;
  /** `shutdown` only: answer once the loops have stopped, not when the shutdown begins. */
  wait: boolean;
}

export interface Route {
  method: 'GET' | 'POST';
  /** The path template; `{name}` is a loop name. */
  path: string;
  /** The `superloops ctl` verb, as logged. */
  verb: string;
  /** Changes state: logged at info. Read-only routes log at debug. */
  mutating: boolean;
  /** Keys the JSON body may have (the body is optional on every route). */
  bodyKeys: readonly string[];
  /** 200, or 202 when the work has only begun. */
  status: 200 | 202 | ((input: RouteInput) => 200 | 202);
  run(target: ControlTarget, input: RouteInput): unknown;
  /** Runs once the response has been sent (a shutdown must not close the socket under its own answer). */
  afterResponse?: (target: ControlTarget, input: RouteInput) => void;
  /** Logged as it begins, not as it ends: a waiting shutdown ends after the daemon's last line, `Stopped`. */
  logAtStart?: boolean;
}

const loopRoute = (action: string, run: Route['run'], bodyKeys: readonly string[] = []): Route => ({
  method: 'POST',
  path: `${API_PREFIX}/loops/{name}/${action}`,
  verb: action,
  mutating: true,
  bodyKeys,
  status: 200,
  run,
});

const shuttingDown: ShutdownResult = { shuttingDown: true };

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: `${API_PREFIX}/status`, verb: 'status', mutating: false, bodyKeys: [], status: 200, run: (t) => t.status() },
  { method: 'POST', path: `${API_PREFIX}/loops/start`, verb: 'start-all', mutating: true, bodyKeys: [], status: 200, run: (t) => t.startAll() },
  { method: 'POST', path: `${API_PREFIX}/loops/stop`, verb: 'stop-all', mutating: true, bodyKeys: [], status: 200, run: (t) => t.stopAll() },
  loopRoute('start', (t, { name }) => t.start(name)),
  loopRoute('stop', (t, { name }) => t.stop(name)),
  loopRoute('restart', (t, { name }) => t.restart(name)),
  loopRoute('hard-reset', (t, { name, force }) => t.hardReset(name, force), ['force']),
  loopRoute('failure', (t, { name }) => t.failure(name)),
  { method: 'POST', path: `${API_PREFIX}/reset`, verb: 'reset', mutating: true, bodyKeys: [], status: 200, run: (t) => t.reset() },
  { method: 'POST', path: `${API_PREFIX}/reload`, verb: 'reload', mutating: true, bodyKeys: [], status: 200, run: (t) => t.reload() },
  {
    method: 'POST',
    path: `${API_PREFIX}/shutdown`,
    verb: 'shutdown',
    mutating: true,
    bodyKeys: ['wait'],
    // Without `wait`: 202 at once, and the shutdown begins once that answer is out.
    // With it: the shutdown begins now and the answer waits for the loops to stop
    // (the daemon keeps its socket until then, so nobody starts a second one meanwhile).
    status: ({ wait }) => (wait ? 200 : 202),
    run: async (t, { wait }): Promise<ShutdownResult> => (wait ? { shuttingDown: true, stopped: await t.shutdown() } : shuttingDown),
    afterResponse: (t, { wait }) => {
      if (!wait) void t.shutdown();
    },
    logAtStart: true,
  },
];

export type RouteMatch =
  | { kind: 'route'; route: Route; /** The loop name segment as sent (not yet decoded). */ rawName: string | undefined }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'none' };

const templates = ROUTES.map((route) => ({ route, segments: route.path.split('/') }));

/** Finds the route for a request line. Literal segments win over `{name}` (`/v1/loops/start` is start-all). */
export function matchRoute(method: string, url: string): RouteMatch {
  const pathname = url.split(/[?#]/, 1)[0] ?? '';
  const segments = pathname.split('/');
  const candidates: { route: Route; rawName: string | undefined; literals: number }[] = [];
  for (const { route, segments: template } of templates) {
    if (template.length !== segments.length) continue;
    let rawName: string | undefined;
    let literals = 0;
    const fits = template.every((part, i) => {
      const got = segments[i]!;
      if (part === '{name}') {
        rawName = got;
        return got !== '';
      }
      literals++;
      return part === got;
    });
    if (fits) candidates.push({ route, rawName, literals });
  }
  if (candidates.length === 0) return { kind: 'none' };
  const best = Math.max(...candidates.map((c) => c.literals));
  const paths = candidates.filter((c) => c.literals === best);
  const exact = paths.find((c) => c.route.method === method);
  if (exact) return { kind: 'route', route: exact.route, rawName: exact.rawName };
  return { kind: 'wrong-method', allow: [...new Set(paths.map((c) => c.route.method))] };
}

/** The loop name from its path segment: URL-decoded, then checked against LOOP_NAME_PATTERN. */
export function parseLoopName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch (err) {
    throw badRequest(`the loop name in the path is not valid URL encoding (${JSON.stringify(raw.slice(0, 100))}); percent-encode it`, err);
  }
  if (!LOOP_NAME_PATTERN.test(name)) {
    throw badRequest(`${JSON.stringify(name.slice(0, 100))} is not a valid loop name: a loop name is ${LOOP_NAME_RULE}`);
  }
  return name;
}

/**
 * The request body: empty (every body is optional), or a JSON object with only
 * the keys the route takes, of the right types. Every problem is reported at once.
 */
export function parseBody(route: Route, raw: Buffer): { force: boolean; wait: boolean } {
  const text = raw.toString('utf8').trim();
  if (text === '') return { force: false, wait: false };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON (${(err as Error).message}); send a JSON object or no body`, err);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`the request body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const problems: string[] = [];
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!route.bodyKeys.includes(key)) problems.push(`unknown field ${JSON.stringify(key.slice(0, 100))}`);
  }
  for (const flag of ['force', 'wait']) {
    if (flag in fields && route.bodyKeys.includes(flag) && typeof fields[flag] !== 'boolean') problems.push(`"${flag}" must be true or false`);
  }
  if (problems.length > 0) {
    const takes = route.bodyKeys.length > 0 ? `it takes ${route.bodyKeys.map((k) => JSON.stringify(k)).join(', ')}` : 'it takes no fields';
    throw badRequest(`bad body for ${route.method} ${route.path}: ${problems.join('; ')} (${takes})`);
  }
  return { force: fields.force === true, wait: fields.wait === true };
}

/** One line per route, for the 404 message. */
export function routeList(): string {
  return ROUTES.map((r) => `${r.method} ${r.path}`).join(', ');
}

export function badRequest(message: string, cause?: unknown, httpStatus?: number): SuperloopsError {
  return new SuperloopsError(ErrorCodes.BAD_REQUEST, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(httpStatus === undefined ? {} : { details: { httpStatus } }),
  });
}
