import { DEFAULT_SOCKET, LOOP_NAME_PATTERN } from '../control/protocol.js';
import { MAX_GID } from '../control/socket-group.js';
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { duration } from './duration.js';
import { closest } from './suggest.js';

/*
 * The manifest as written: snake_case keys, durations as seconds or strings with a
 * unit, paths relative to the manifest. Defaults live here, and every message says
 * what to write instead. Messages that show the value begin with describeValue(input)
 * so the loader can hide values that came from the environment.
 *
 * The `.describe()` texts are what editors show from the generated JSON Schema.
 */

type Issue = { input?: unknown };

function wholeNumber(min: number, max?: number) {
  const wanted = max === undefined ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
  const error = (issue: Issue) => `${describeValue(issue.input)} is not ${wanted}`;
  const atLeast = z.int({ error }).min(min, { error });
  return max === undefined ? atLeast : atLeast.max(max, { error });
}

function flag() {
  return z.boolean({ error: (issue) => `${describeValue(issue.input)} is not true or false` });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => {
      const hint = typeof issue.input === 'string' ? closest(issue.input, values) : undefined;
      const suggestion = hint === undefined ? '' : `; did you mean \`${hint}\`?`;
      return `${describeValue(issue.input)} is not one of ${values.join(', ')}${suggestion}`;
    },
  });
}

/** A string; `pattern` (when given) also rules out the empty string, so there is one message per value. */
function text(what: string, pattern?: { regex: RegExp; error: (issue: Issue) => string }) {
  const error = (issue: Issue) => `${describeValue(issue.input)} is not ${what}`;
  return pattern === undefined ? z.string({ error }).min(1, { error }) : z.string({ error }).regex(pattern.regex, pattern);
}

/** The module files a loop can be loaded from (see LoopSpec.module). */
const MODULE_EXTENSION = /\.(?:ts|mts|js|mjs)$/;

function modulePath() {
  return text('a path to a module file', {
    regex: MODULE_EXTENSION,
    error: (issue) =>
      `${describeValue(issue.input)} does not end in .ts, .mts, .js or .mjs; point it at the TypeScript or JavaScript file of the module`,
  });
}

function mapping<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  return z.strictObject(shape, {
    // Unknown keys are worded by the loader, which knows where each one is.
    error: (issue) =>
      issue.code === 'invalid_type' ? `${describeValue(issue.input)} is not a mapping; write ${what}` : undefined,
  });
}

/** A group name as /etc/group can hold one: no colon, comma or white space. */
const GROUP_NAME = /^[^\s:,]+$/;

function notAGroup(issue: Issue): string {
  return `${describeValue(issue.input)} is not a group name or a numeric gid (0 to ${MAX_GID}); write e.g. socket_group: superloops`;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;

export const httpSchema = mapping(
  {
    host: text('a host name or address')
      .default('127.0.0.1')
      .describe('Address the HTTP endpoint (health and metrics) listens on. Default "127.0.0.1": local only.'),
    port: wholeNumber(0, 65535).describe('TCP port of the HTTP endpoint; 0 picks a free port. Required.'),
  },
  'the HTTP keys indented under it, e.g. http: { port: 9464 }',
);

export const controllerSchema = mapping(
  {
    socket: text('a socket path')
      .default(DEFAULT_SOCKET)
      .describe(
        'Path of the control socket the `superloops` CLI talks to, relative to the manifest directory. Default "./superloops.sock".',
      ),
    socket_group: z
      .union([wholeNumber(0, MAX_GID), text('a group name', { regex: GROUP_NAME, error: notAGroup })], { error: notAGroup })
      .optional()
      .describe(
        'Group (a name from /etc/group, or a numeric gid) given access to the control socket: the file becomes mode 0660 in that group. Unset: owner-only (0600).',
      ),
    max_resets: wholeNumber(0)
      .default(5)
      .describe('Global resets allowed within reset_window; one more and the controller gives up. Default 5.'),
    reset_window: duration
      .prefault('60s')
      .describe('Window in which global resets are counted (seconds, or a string like 60s). Default 60s.'),
    shutdown_timeout: duration
      .prefault('30s')
      .describe('How long shutdown waits for all loops to stop before forcing them. Default 30s.'),
    reset_callback: modulePath()
      .optional()
      .describe(
        'Module (relative to the manifest directory) whose default export runs during a global reset, before loops restart.',
      ),
    reset_callback_timeout: duration
      .prefault('30s')
      .describe('How long a global reset waits for reset_callback before giving up on it. Default 30s.'),
    log_level: oneOf(LOG_LEVELS)
      .default('info')
      .describe('Least severe log level written: trace, debug, info, warn, error, fatal or silent. Default info.'),
    http: httpSchema
      .optional()
      .describe('Serve health and Prometheus metrics over HTTP. Omit to serve nothing.'),
  },
  'the controller keys indented under controller:, or remove the line',
);

/** The keys a loop may take from `defaults:` — everything but its identity and options. */
const loopSettingsShape = {
  grace_period: duration
    .prefault(5)
    .describe('How long a stop waits for the loop to end by itself before terminating its thread. Default 5 (seconds).'),
  max_loop_failures: wholeNumber(0)
    .default(10)
    .describe('Failures allowed; one more exceeds the budget and triggers a global reset (or a stop). Default 10.'),
  failure_window: duration
    .nullable()
    .optional()
    .describe('Failures older than this no longer count. Unset or null: failures count forever.'),
  stop_on_failure: flag()
    .default(false)
    .describe('When the loop exceeds its failure budget, stop it and leave it stopped (the green light still clears, so a global reset runs). Default false.'),
  reset_globally: flag()
    .default(true)
    .describe('Take part in global resets: stopped and restarted as the next generation. Default true.'),
  cycle_timeout: duration
    .nullable()
    .optional()
    .describe('Watchdog: a cycle running longer counts as a failure and the thread is replaced. Unset or null: off.'),
  memory_limit_mb: wholeNumber(8)
    .nullable()
    .optional()
    .describe("Heap limit of the loop's thread in MB (at least 8). Unset or null: Node's default."),
  restart: oneOf(RESTART_POLICIES)
    .default('always')
    .describe('When a thread dies on its own: restart always, only after a failure (on-failure), or never. Default always.'),
  restart_delay: duration
    .prefault('100ms')
    .describe('First delay before restarting a crashed thread; doubles per consecutive crash. Default 100ms.'),
  max_restart_delay: duration
    .prefault('30s')
    .describe('The restart delay never grows past this. Default 30s.'),
  stable_after: duration
    .prefault('30s')
    .describe('A thread that runs this long without crashing resets the restart delay. Default 30s.'),
  autostart: flag()
    .default(true)
    .describe('Start the loop with the daemon. false: it starts only when asked (superloops start <name>). Default true.'),
};

const loopDefaultsSchema = mapping(
  loopSettingsShape,
  'loop settings indented under defaults:, e.g. defaults: { grace_period: 5 }',
);

const loopSchema = mapping(
  {
    name: text('a loop name', {
      regex: LOOP_NAME_PATTERN,
      error: (issue) =>
        `${describeValue(issue.input)} is not a valid loop name; start with a letter, then use up to 63 letters, digits, _, . or - (names become part of thread names and URLs)`,
    }).describe('Unique name of the loop: a letter, then up to 63 letters, digits, _, . or -. Required.'),
    module: modulePath().describe(
      'File whose default export is the SuperLoop subclass, relative to the manifest directory; .ts, .mts, .js or .mjs. Required.',
    ),
    options: z
      .unknown()
      .optional()
      .describe('Any value, handed to the loop as this.options. Never shown in status, metrics or the daemon\'s logs: put secrets (${VAR}) here.'),
    ...loopSettingsShape,
  },
  'each loop as a mapping, e.g. - { name: MyLoop, module: ./loops/my-loop.ts }',
);

export const manifestSchema = mapping(
  {
    controller: controllerSchema
      .prefault({})
      .describe('Settings of the supervisor as a whole. Optional; every key has a default.'),
    defaults: loopDefaultsSchema
      .optional()
      .describe("Loop settings applied to every loop that does not set them itself. Cannot hold name, module or options."),
    loops: z
      .array(loopSchema, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a list of loops; write each loop as an item starting with "- name:"`,
      })
      .min(1, { error: 'the manifest has no loops; add one, e.g. - { name: MyLoop, module: ./loops/my-loop.ts }' })
      .describe('The loops to supervise, in start order. At least one.'),
  },
  'the manifest as a mapping with a loops: list',
);

export type ManifestDocument = z.output<typeof manifestSchema>;

const loopSettingKeys = Object.keys(loopSettingsShape);

/** The keys allowed in the mapping at `path`, for "did you mean" and "allowed keys" hints. */
export function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  switch (path[0]) {
    case undefined:
      return Object.keys(manifestSchema.shape);
    case 'controller':
      return path.length === 1 ? Object.keys(controllerSchema.shape) : Object.keys(httpSchema.shape);
    case 'defaults':
      return loopSettingKeys;
    case 'loops':
      return Object.keys(loopSchema.shape);
    default:
      return [];
  }
}

/** The per-loop keys that `defaults:` may set. */
export function isLoopSettingKey(key: string): boolean {
  return loopSettingKeys.includes(key);
}
