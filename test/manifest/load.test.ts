import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, SuperloopsError, isSuperloopsError } from '../../src/errors.js';
import { defaultLoopOptions } from '../../src/loop/options.js';
import { type Manifest, type Problem, loadManifest, parseManifest } from '../../src/manifest/load.js';

let dir: string;
let file: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'superloops-manifest-'));
  await mkdir(path.join(dir, 'loops'));
  for (const name of ['a.ts', 'b.mjs', 'c.js', 'on-reset.ts']) await writeFile(path.join(dir, 'loops', name), '');
  await mkdir(path.join(dir, 'loops', 'folder.ts'));
  file = path.join(dir, 'superloops.yaml');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the manifest to a fresh file in the temp dir and loads it. */
async function load(text: string, env: NodeJS.ProcessEnv = {}): Promise<Manifest> {
  const at = path.join(dir, `m${++counter}.yaml`);
  await writeFile(at, text);
  return loadManifest(at, env);
}

/** The error a manifest produces; fails the test if it loads. */
async function failure(text: string, env: NodeJS.ProcessEnv = {}): Promise<SuperloopsError> {
  try {
    await load(text, env);
  } catch (err) {
    expect(isSuperloopsError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    return err as SuperloopsError;
  }
  throw new Error('expected the manifest to be rejected');
}

async function problems(text: string, env: NodeJS.ProcessEnv = {}): Promise<Problem[]> {
  return (await failure(text, env)).details!.problems as Problem[];
}

/** The one problem a manifest has. */
async function problem(text: string, env: NodeJS.ProcessEnv = {}): Promise<Problem> {
  const found = await problems(text, env);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const minimal = 'loops:\n  - name: A\n    module: ./loops/a.ts\n';

describe('loadManifest: valid manifests', () => {
  it('fills in every default', async () => {
    const manifest = await load(minimal);
    expect(manifest).toEqual({
      file: expect.stringMatching(/m\d+\.yaml$/),
      dir,
      controller: {
        socket: path.join(dir, 'superloops.sock'),
        maxResets: 5,
        resetWindowMs: 60_000,
        shutdownTimeoutMs: 30_000,
        resetCallbackTimeoutMs: 30_000,
        logLevel: 'info',
      },
      loops: [
        {
          name: 'A',
          module: path.join(dir, 'loops', 'a.ts'),
          // The manifest's defaults are the library's: one set of loop defaults, two ways in.
          ...defaultLoopOptions,
          autostart: true,
        },
      ],
      secrets: [],
      // Where loop A's module: value is written (line 3, after `    module: `), for later module problems;
      // the socket is defaulted, so its place is the document's.
      at: { socket: { line: 1, column: 1, fromEnv: false }, loopModules: { A: { line: 3, column: 13 } } },
    });
    expect(manifest.controller).not.toHaveProperty('http');
    expect(manifest.controller).not.toHaveProperty('resetCallback');
    expect(manifest.loops[0]).not.toHaveProperty('options');
  });

  it('reads every key', async () => {
    const manifest = await load(
      `controller:
  socket: run/ctl.sock
  max_resets: 2
  reset_window: 2m
  shutdown_timeout: 10
  reset_callback: ./loops/on-reset.ts
  reset_callback_timeout: 1.5s
  log_level: debug
  http: { port: 9464 }
loops:
  - name: ApiFeedLoop
    module: loops/b.mjs
    options: { url: "https://example.test/feed", list: [1, two], nested: { deep: true } }
    grace_period: 250ms
    max_loop_failures: 0
    failure_window: 1m
    stop_on_failure: true
    reset_globally: false
    cycle_timeout: 30s
    memory_limit_mb: 128
    restart: on-failure
    restart_delay: 1s
    max_restart_delay: 1h
    stable_after: 0
    autostart: false
`,
    );
    expect(manifest.controller).toEqual({
      socket: path.join(dir, 'run', 'ctl.sock'),
      maxResets: 2,
      resetWindowMs: 120_000,
      shutdownTimeoutMs: 10_000,
      resetCallback: path.join(dir, 'loops', 'on-reset.ts'),
      resetCallbackTimeoutMs: 1500,
      logLevel: 'debug',
      http: { host: '127.0.0.1', port: 9464 },
    });
    expect(manifest.loops[0]).toEqual({
      name: 'ApiFeedLoop',
      module: path.join(dir, 'loops', 'b.mjs'),
      options: { url: 'https://example.test/feed', list: [1, 'two'], nested: { deep: true } },
      gracePeriodMs: 250,
      maxLoopFailures: 0,
      failureWindowMs: 60_000,
      stopOnFailure: true,
      resetGlobally: false,
      cycleTimeoutMs: 30_000,
      memoryLimitMb: 128,
      restart: 'on-failure',
      restartDelayMs: 1000,
      maxRestartDelayMs: 3_600_000,
      stableAfterMs: 0,
      autostart: false,
    });
  });

  it('keeps absolute paths as they are', async () => {
    const module = path.join(dir, 'loops', 'c.js');
    const manifest = await load(`controller: { socket: /tmp/sl.sock }\nloops:\n  - { name: A, module: ${module} }\n`);
    expect(manifest.loops[0]!.module).toBe(module);
    expect(manifest.controller.socket).toBe('/tmp/sl.sock');
  });

  it('merges defaults under each loop; a loop’s own key wins, null unsets', async () => {
    const manifest = await load(
      `defaults:
  grace_period: 1
  restart: never
  cycle_timeout: 10s
loops:
  - name: A
    module: ./loops/a.ts
    grace_period: 2s
    cycle_timeout: null
  - name: B
    module: ./loops/a.ts
`,
    );
    const [a, b] = manifest.loops;
    expect([a!.gracePeriodMs, a!.restart, a!.cycleTimeoutMs]).toEqual([2000, 'never', undefined]);
    expect([b!.gracePeriodMs, b!.restart, b!.cycleTimeoutMs]).toEqual([1000, 'never', 10_000]);
  });

  it('resolves relative manifest paths against the working directory', () => {
    const relative = path.relative(process.cwd(), file);
    const manifest = parseManifest(minimal, relative, {});
    expect(manifest.file).toBe(file);
    expect(manifest.dir).toBe(dir);
  });
});

describe('${VAR} interpolation', () => {
  it('replaces variables anywhere in string values, and $${ is a literal ${', async () => {
    const manifest = await load(
      `controller:
  log_level: \${LEVEL}
loops:
  - name: \${NAME}Loop
    module: ./loops/\${FILE}
    options:
      auth: "Bearer \${TOKEN}"
      list: ["\${TOKEN}", plain]
      literal: "$\${NOT_A_VAR} costs $5"
`,
      { LEVEL: 'warn', NAME: 'Feed', FILE: 'a.ts', TOKEN: 'tok-123456789' },
    );
    expect(manifest.controller.logLevel).toBe('warn');
    expect(manifest.loops[0]!.name).toBe('FeedLoop');
    expect(manifest.loops[0]!.module).toBe(path.join(dir, 'loops', 'a.ts'));
    expect(manifest.loops[0]!.options).toEqual({
      auth: 'Bearer tok-123456789',
      list: ['tok-123456789', 'plain'],
      literal: '${NOT_A_VAR} costs $5',
    });
    expect(new Set(manifest.secrets)).toEqual(new Set(['warn', 'Feed', 'a.ts', 'tok-123456789']));
  });

  it('reads an unquoted substitution outside options as YAML would (numbers, booleans)', async () => {
    const manifest = await load(
      `controller:
  http: { host: 0.0.0.0, port: "\${PORT_TEXT}" }
  max_resets: \${RESETS}
loops:
  - name: A
    module: ./loops/a.ts
    autostart: \${AUTO}
    grace_period: \${GRACE}
    options:
      pin: \${PIN}
`,
      { PORT_TEXT: '80', RESETS: '3', AUTO: 'false', GRACE: '2.5', PIN: '0123' },
    ).catch((err: SuperloopsError) => err);
    // Quoted, the port stays a string and is rejected, without showing the value.
    expect(isSuperloopsError(manifest, ErrorCodes.CONFIG_INVALID)).toBe(true);
    const [found] = (manifest as SuperloopsError).details!.problems as Problem[];
    expect(found!.message).toBe('the value of ${PORT_TEXT} is not a whole number from 0 to 65535');

    const ok = await load(
      `controller:\n  http:\n    port: \${PORT}\n  max_resets: \${RESETS}\nloops:\n  - name: A\n    module: ./loops/a.ts\n    autostart: \${AUTO}\n    grace_period: \${GRACE}\n    options:\n      pin: \${PIN}\n`,
      { PORT: '80', RESETS: '3', AUTO: 'false', GRACE: '2.5', PIN: '0123' },
    );
    expect(ok.controller.http).toEqual({ host: '127.0.0.1', port: 80 });
    expect(ok.controller.maxResets).toBe(3);
    expect(ok.loops[0]!.autostart).toBe(false);
    expect(ok.loops[0]!.gracePeriodMs).toBe(2500);
    // Options go to user code as written: a PIN keeps its leading zero.
    expect(ok.loops[0]!.options).toEqual({ pin: '0123' });
  });

  it('reports an unset variable by name and place, every one of them', async () => {
    const found = await problems(
      'loops:\n  - name: A\n    module: ./loops/a.ts\n    options:\n      key: "${API_KEY}"\n      other: x-${OTHER}-${API_KEY}\n',
    );
    expect(found.map(({ path: at, line, column }) => [at, line, column])).toEqual([
      ['loops[0].options.key', 5, 12],
      ['loops[0].options.other', 6, 14],
      ['loops[0].options.other', 6, 14],
    ]);
    expect(found[0]!.message).toMatch(/^environment variable API_KEY is not set \(used as \$\{API_KEY\}\); set it/);
    expect(found[1]!.message).toMatch(/OTHER is not set/);
  });

  it('treats a variable set to "" as set, and keeps "" out of secrets', async () => {
    const manifest = await load(`${minimal}    options: { v: "\${EMPTY}" }\n`, { EMPTY: '' });
    expect(manifest.loops[0]!.options).toEqual({ v: '' });
    expect(manifest.secrets).toEqual([]);
  });

  it('rejects malformed references', async () => {
    const found = await problems(`${minimal}    options: { a: "\${1X}", b: "\${OPEN" }\n`);
    expect(found.map((p) => p.message)).toEqual([
      expect.stringMatching(/^\$\{1X\} is not a variable reference/),
      expect.stringMatching(/^a \$\{ is never closed/),
    ]);
  });

  it('does not look variables up on Object.prototype', async () => {
    const found = await problem(`${minimal}    options: { a: "\${constructor}" }\n`);
    expect(found.message).toMatch(/constructor is not set/);
  });

  it('never shows a value from the environment in a message', async () => {
    const secret = 'hunter2-very-secret';
    const env = { MAX: secret, NAME: `${secret}/x`, MOD: `${secret}.ts`, LEVEL: secret, SOCK: `/${secret.repeat(8)}` };
    const error = await failure(
      `controller:
  log_level: \${LEVEL}
  socket: \${SOCK}
loops:
  - name: A
    module: ./loops/a.ts
    max_loop_failures: \${MAX}
    grace_period: "\${MAX}s"
  - name: \${NAME}
    module: ./\${MOD}
  - { name: B, module: "\${MOD}", restart: "\${MAX}" }
  - name: C
    module: ./loops/a.ts
    autostart: \${MAX}
`,
      env,
    );
    const everything = `${error.message}\n${JSON.stringify(error.details)}`;
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('[redacted]');
    const byPath = Object.fromEntries((error.details!.problems as Problem[]).map((p) => [p.path, p.message]));
    expect(byPath).toEqual({
      'controller.log_level': 'the value of ${LEVEL} is not one of trace, debug, info, warn, error, fatal, silent',
      'controller.socket': expect.stringMatching(/^the value of \$\{SOCK\} resolves to a socket path of \d+ bytes; this system/),
      'loops[0].max_loop_failures': 'the value of ${MAX} is not a whole number >= 0',
      'loops[0].grace_period': expect.stringMatching(/^the value of "\$\{MAX\}s" is not a duration; write seconds/),
      'loops[1].name': expect.stringMatching(/^the value of \$\{NAME\} is not a valid loop name/),
      'loops[1].module': expect.stringMatching(/^the value of "\.\/\$\{MOD\}" does not exist: no file \(paths are relative/),
      'loops[2].module': expect.stringMatching(/^the value of \$\{MOD\} does not exist/),
      'loops[2].restart': 'the value of ${MAX} is not one of always, on-failure, never',
      'loops[3].autostart': 'the value of ${MAX} is not true or false',
    });
  });

  it('does not show a duplicate name that came from the environment', async () => {
    const found = await problem('loops:\n  - { name: A, module: ./loops/a.ts }\n  - { name: "${N}", module: ./loops/a.ts }\n', {
      N: 'A',
    });
    expect(found).toMatchObject({ path: 'loops[1].name', line: 3, column: 13 });
    expect(found.message).toBe('the value of ${N} is already the name of loops[0] (line 2); loop names must be unique');
  });
});

describe('loadManifest: problems', () => {
  it('reports YAML syntax errors with line and column', async () => {
    const found = await problem('loops:\n  - name: A\n    module: [./loops/a.ts\n  - name: B\n');
    expect(found).toMatchObject({ line: 4, column: 3 });
    expect(found.message).toMatch(/^invalid YAML: /);
  });

  it('reports a plain ${VAR} inside { } once, with a hint to quote it', async () => {
    const found = await problem(`${minimal}    options: { key: \${KEY} }\n`, { KEY: 'x' });
    expect(found).toMatchObject({ path: 'loops[0].options.key', line: 4, column: 22 });
    expect(found.message).toMatch(/^invalid YAML: .*; quote values that contain \$\{VAR\} inside \{ \} or \[ \]$/);
  });

  it('keeps the first error of each line, and at most ten', async () => {
    const text = `loops: [\n${Array.from({ length: 20 }, (_, i) => `  - name: L${i}\n`).join('')}`;
    const found = await problems(text);
    expect(new Set(found.map((p) => p.line)).size).toBe(found.length);
    expect(found.length).toBeLessThanOrEqual(11);
    expect(found).toHaveLength(11);
    expect(found[10]!.message).toMatch(/^invalid YAML on \d+ more lines? from here; fix the errors above first$/);
  });

  it('rejects duplicate keys', async () => {
    const found = await problem('loops:\n  - name: A\n    module: ./loops/a.ts\n    name: B\n');
    expect(found).toMatchObject({ path: 'loops[0].name', line: 4, column: 5 });
    expect(found.message).toBe('key `name` appears more than once in this mapping; keep one');
  });

  it('rejects keys that collide only once read (1 and "1")', async () => {
    const found = await problem(`${minimal}    options: { 1: a, "1": b }\n`);
    expect(found).toMatchObject({ path: 'loops[0].options["1"]', line: 4, column: 22 });
  });

  it('suggests the key that was meant', async () => {
    const found = await problem(`${minimal}    grace_perod: 5\n`);
    expect(found).toEqual({
      path: 'loops[0].grace_perod',
      line: 4,
      column: 5,
      message: 'unknown key `grace_perod`; did you mean `grace_period`?',
    });
    expect((await problem(`${minimal}    gracePeriod: 5\n`)).message).toMatch(/did you mean `grace_period`\?/);
    expect((await problem(`controller: { maxResets: 1 }\n${minimal}`)).message).toMatch(/did you mean `max_resets`\?/);
  });

  it('lists the allowed keys when nothing is close', async () => {
    const found = await problem(`controller:\n  http: { port: 1, tls: true }\n${minimal}`);
    expect(found).toMatchObject({ path: 'controller.http.tls', line: 2, column: 20 });
    expect(found.message).toBe('unknown key `tls`; the keys allowed here are host, port');
  });

  it('explains that name, module and options cannot be defaults', async () => {
    const found = await problem(`defaults: { module: ./loops/a.ts }\n${minimal}`);
    expect(found.message).toBe('`module` cannot be set in defaults:; it belongs to each loop');
  });

  it('reports wrong types, saying what was expected and what was found', async () => {
    const found = await problems(
      `${minimal}    max_loop_failures: ten\n    autostart: yes\n    memory_limit_mb: 4\n    restart: on_failure\n    options: whatever\n`,
    );
    expect(found.map((p) => [p.path, p.message])).toEqual([
      ['loops[0].max_loop_failures', '"ten" is not a whole number >= 0'],
      ['loops[0].autostart', '"yes" is not true or false'],
      ['loops[0].memory_limit_mb', '4 is not a whole number >= 8'],
      ['loops[0].restart', '"on_failure" is not one of always, on-failure, never; did you mean `on-failure`?'],
    ]);
  });

  it('reports a missing required key at the mapping that lacks it', async () => {
    const found = await problems('controller:\n  http:\n    host: localhost\nloops:\n  - name: A\n  - module: ./loops/a.ts\n');
    expect(found).toEqual([
      { path: 'controller.http.port', line: 3, column: 5, message: 'missing required key `port`; add it, e.g. port: 9464' },
      {
        path: 'loops[0].module',
        line: 5,
        column: 5,
        message: 'missing required key `module`; add it, e.g. module: ./loops/my-loop.ts',
      },
      { path: 'loops[1].name', line: 6, column: 5, message: 'missing required key `name`; add it, e.g. name: MyLoop' },
    ]);
  });

  it('reports a module file that does not exist, or is not a file', async () => {
    const missing = await problem('loops:\n  - name: A\n    module: ./loops/nope.ts\n');
    expect(missing).toMatchObject({ path: 'loops[0].module', line: 3, column: 13 });
    expect(missing.message).toBe(
      `"./loops/nope.ts" does not exist: no file ${path.join(dir, 'loops', 'nope.ts')} (paths are relative to the manifest's directory, ${dir})`,
    );
    const folder = await problem('loops:\n  - name: A\n    module: ./loops/folder.ts\n');
    expect(folder.message).toMatch(/^"\.\/loops\/folder\.ts" is not a file/);
    const callback = await problem(`controller: { reset_callback: ./nope.js }\n${minimal}`);
    expect(callback).toMatchObject({ path: 'controller.reset_callback', line: 1, column: 31 });
  });

  it('rejects module paths without a TypeScript or JavaScript extension', async () => {
    const found = await problem('loops:\n  - name: A\n    module: ./loops/a.py\n');
    expect(found).toMatchObject({ path: 'loops[0].module', line: 3, column: 13 });
    expect(found.message).toMatch(/^"\.\/loops\/a\.py" does not end in \.ts, \.mts, \.js or \.mjs/);
  });

  it('rejects duplicate loop names, pointing at the second and naming the first’s line', async () => {
    const found = await problem(`${minimal}  - name: B\n    module: ./loops/a.ts\n  - name: A\n    module: ./loops/a.ts\n`);
    expect(found).toEqual({
      path: 'loops[2].name',
      line: 6,
      column: 11,
      message: '"A" is already the name of loops[0] (line 2); loop names must be unique',
    });
  });

  it('rejects bad loop names', async () => {
    for (const name of ['', '9lives', 'has space', 'a/b', 'x'.repeat(65)]) {
      const found = await problem(`loops:\n  - { name: "${name}", module: ./loops/a.ts }\n`);
      expect(found.message).toMatch(/is not a valid loop name; start with a letter/);
    }
  });

  it('reports a bad default once, under defaults', async () => {
    const found = await problem(`defaults:\n  grace_period: 5 minutes\n${minimal}  - name: B\n    module: ./loops/a.ts\n`);
    expect(found).toEqual({
      path: 'defaults.grace_period',
      line: 2,
      column: 17,
      message: '"5 minutes" is not a duration; write seconds as a number (5) or a string with a unit: 250ms, 5s, 2m, 1h',
    });
  });

  it('rejects an empty file, a file of comments, a document that is not a mapping, and no loops', async () => {
    expect((await problem('')).message).toMatch(/^the manifest is empty; it needs at least a list of loops/);
    expect((await problem('# nothing yet\n')).message).toMatch(/^the manifest is empty/);
    expect(await problem('- a\n- b\n')).toMatchObject({
      line: 1,
      column: 1,
      message: 'the manifest must be a mapping with a loops: list (and optionally controller: and defaults:), not a list',
    });
    expect((await problem('just text\n')).message).toMatch(/not "just text"$/);
    expect(await problem('loops: []\n')).toMatchObject({ path: 'loops', line: 1, column: 8, message: expect.stringMatching(/^the manifest has no loops; add one/) });
    expect(await problem('controller: {}\n')).toMatchObject({ path: 'loops', line: 1, column: 1, message: expect.stringMatching(/^missing required key `loops`/) });
    expect((await problem('loops: ApiFeedLoop\n')).message).toBe(
      '"ApiFeedLoop" is not a list of loops; write each loop as an item starting with "- name:"',
    );
    expect((await problem('controller:\nloops: []\n'.replace('loops: []', minimal.trimEnd()))).message).toMatch(
      /^an empty value \(null\) is not a mapping; write the controller keys/,
    );
  });

  it('rejects a socket path too long for a Unix socket', async () => {
    const found = await problem(`controller: { socket: /tmp/${'x'.repeat(120)}.sock }\n${minimal}`);
    expect(found.path).toBe('controller.socket');
    expect(found.message).toMatch(/resolves to a socket path of 130 bytes \(\/tmp\/x+\.sock\); this system allows at most 10[37]/);
  });

  it('rejects unknown aliases and aliases that contain themselves', async () => {
    expect((await problem(`${minimal}    options: *nowhere\n`)).message).toBe(
      'alias *nowhere refers to no anchor; define &nowhere before it',
    );
    expect((await problem(`${minimal}    options: &self [ *self ]\n`)).message).toMatch(/inside the value it refers to/);
  });

  it('follows aliases, and reports problems in them where the alias is', async () => {
    const manifest = await load(`${minimal}    options: &shared { a: 1 }\n  - { name: B, module: ./loops/a.ts, options: *shared }\n`);
    expect(manifest.loops[1]!.options).toEqual({ a: 1 });
    const found = await problems(`${minimal}    grace_period: &g 5 minutes\n  - { name: B, module: ./loops/a.ts, grace_period: *g }\n`);
    expect(found.map(({ path: at, line, column }) => [at, line, column])).toEqual([
      ['loops[0].grace_period', 4, 22],
      ['loops[1].grace_period', 5, 52],
    ]);
  });

  it('refuses documents that nest too deep or expand without end through aliases', async () => {
    const deep = await problem(`${minimal}    options: ${'['.repeat(150)}${']'.repeat(150)}\n`);
    expect(deep).toMatchObject({ path: 'loops[0].options', line: 4 });
    expect(deep.message).toMatch(/^the manifest nests deeper than 100 levels or expands to more than 100000 values/);
    const anchors = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const letter of 'bcdefghi') {
      const previous = String.fromCharCode(letter.charCodeAt(0) - 1);
      anchors.push(`${letter}: &${letter} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const bomb = await problem(`${anchors.join('\n')}\n${minimal}    options: *i\n`);
    expect(bomb.message).toMatch(/expands to more than 100000 values through aliases/);
  });

  it('rejects unknown tags', async () => {
    const found = await problem(`${minimal}    options: !env API_KEY\n`);
    expect(found.message).toMatch(/^Unresolved tag: !env; remove the tag/);
  });

  it('keeps __proto__ a plain key', async () => {
    const found = await problem(`${minimal}    __proto__: { autostart: false }\n`);
    expect(found.path).toBe('loops[0].__proto__');
    expect(found.message).toMatch(/^unknown key `__proto__`/);
    const manifest = await load(`${minimal}    options: { __proto__: { polluted: true } }\n`);
    expect(Object.getPrototypeOf(manifest.loops[0]!.options)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(manifest.loops[0]!.options, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the report', () => {
  it('reports every problem at once, in file order, with line and column', async () => {
    const text = `controller:
  max_resets: -1
  reset_windw: 5s
loops:
  - name: A
    module: ./loops/a.ts
    grace_period: forever
  - name: A
    module: ./loops/missing.ts
    restart: sometimes
`;
    const error = await failure(text);
    const found = error.details!.problems as Problem[];
    expect(found.map(({ path: at, line, column }) => `${line}:${column} ${at}`)).toEqual([
      '2:15 controller.max_resets',
      '3:3 controller.reset_windw',
      '7:19 loops[0].grace_period',
      '8:11 loops[1].name',
      '9:13 loops[1].module',
      '10:14 loops[1].restart',
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/m\d+\.yaml: 6 problems in the manifest$/);
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(/^ {2}\S+m\d+\.yaml:2:15 controller\.max_resets: -1 is not a whole number >= 0$/);
    expect(error.details!.file).toMatch(/^\/.*m\d+\.yaml$/);
  });

  it('says "1 problem", and has no stack traces or zod jargon', async () => {
    const error = await failure(`${minimal}    options: 1\n    cycle_timeout: []\n`);
    expect(error.message).toMatch(/: 1 problem in the manifest\n/);
    expect(error.message).not.toMatch(/Invalid input|\n\s+at |ZodError/);
  });

  it('reports a file it cannot read', async () => {
    const missing = path.join(dir, 'absent.yaml');
    await expect(loadManifest(missing)).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_UNREADABLE,
      message: `cannot read manifest ${missing}: no such file; check the path`,
    });
    // A relative path says where it was looked for.
    const relative = path.relative(process.cwd(), missing);
    await expect(loadManifest(relative)).rejects.toMatchObject({
      message: `cannot read manifest ${relative}: no such file; check the path (a relative path starts at the current directory, ${process.cwd()})`,
    });
    await expect(loadManifest(dir)).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_UNREADABLE,
      message: expect.stringMatching(/it is a directory/),
    });
  });
});
