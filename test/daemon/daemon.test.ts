import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { ctl, DaemonProcess, run, writeManifest } from './harness.js';
import { waitFor } from '../helpers.js';

const running: DaemonProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

function startDaemon(file: string, ...extra: string[]): DaemonProcess {
  const daemon = new DaemonProcess(['start', file, ...extra]);
  running.push(daemon);
  return daemon;
}

const twoLoops = `
controller:
  socket: ./superloops.sock
defaults:
  grace_period: 1
loops:
  - name: Alpha
    module: FIXTURES/counts-cycles.ts
  - name: Beta
    module: FIXTURES/reports-lifecycle.ts
`;

interface Status {
  daemon: { pid: number; state: string };
  controller: { greenLight: boolean; resets: number; loops: { name: string; state: string; generation: number; failures: number; startedAt: number }[] };
}

async function status(socket: string): Promise<Status> {
  const result = await ctl(socket, 'status', '--json');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

const loop = (s: Status, name: string) => s.controller.loops.find((l) => l.name === name)!;

describe('superloopsd start and superloops ctl', () => {
  it('runs the loops, answers every ctl verb, and stops on SIGTERM with exit 0 and every worker gone', async () => {
    const m = writeManifest(twoLoops);
    const daemon = startDaemon(m.file);
    const ready = await daemon.ready();
    expect(ready).toMatchObject({ socket: m.socket, loops: ['Alpha', 'Beta'] });
    expect(statSync(m.socket).mode & 0o777).toBe(0o600);

    let s = await status(m.socket);
    expect(s.controller.loops.map((l) => [l.name, l.state, l.generation])).toEqual([
      ['Alpha', 'running', 0],
      ['Beta', 'running', 0],
    ]);

    const table = await ctl(m.socket, 'status');
    expect(table.stdout).toMatch(/Alpha\s+running\s+Alpha_0/);

    const hard = await ctl(m.socket, 'hard-reset', 'Alpha');
    expect(hard.code).toBe(0);
    expect(hard.stdout).toContain('Alpha_1');
    expect(loop(await status(m.socket), 'Alpha').generation).toBe(1);

    expect((await ctl(m.socket, 'hard-reset', 'Alpha', '--force')).code).toBe(0);
    expect((await ctl(m.socket, 'restart', 'Beta')).code).toBe(0);
    expect((await ctl(m.socket, 'stop', 'Beta')).code).toBe(0);
    expect(loop(await status(m.socket), 'Beta').state).toBe('stopped');
    expect((await ctl(m.socket, 'start', 'Beta')).code).toBe(0);
    expect(loop(await status(m.socket), 'Beta').state).toBe('running');

    expect((await ctl(m.socket, 'failure', 'Alpha')).code).toBe(0);
    expect(loop(await status(m.socket), 'Alpha').failures).toBe(1);

    const reset = await ctl(m.socket, 'reset');
    expect(reset.code).toBe(0);
    s = await status(m.socket);
    expect(s.controller.resets).toBe(1);
    expect(s.controller.greenLight).toBe(true);

    expect((await ctl(m.socket, 'stop', '--all')).code).toBe(0);
    expect((await status(m.socket)).controller.loops.every((l) => l.state === 'stopped')).toBe(true);
    const startAll = await ctl(m.socket, 'start', '--all');
    expect(startAll.stdout + startAll.stderr).toMatch(/Alpha: started/);
    expect(startAll.code).toBe(0);

    const unknown = await ctl(m.socket, 'hard-reset', 'Nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr + unknown.stdout).toContain('Alpha, Beta');

    // Every state-changing request was logged with its verb and outcome.
    const commands = daemon.lines.filter((l) => l.msg === 'Control command');
    expect(commands.some((l) => l.verb === 'hard-reset' && l.loop === 'Alpha' && l.outcome === 'ok')).toBe(true);
    expect(commands.some((l) => l.verb === 'hard-reset' && l.loop === 'Nope' && l.outcome === 'SL_ERR_LOOP_NOT_FOUND')).toBe(true);

    const exit = await daemon.stop();
    expect(exit.code).toBe(0);
    const last = daemon.lines.at(-1)!;
    expect(last).toMatchObject({ msg: 'Stopped', loops: 2, graceful: 2, terminated: 0 });
    // Beta's hooks ran on the graceful stop.
    expect(daemon.lines.some((l) => l.hook === 'onThreadStop' && l.loop === 'Beta')).toBe(true);
    expect(existsSync(m.socket)).toBe(false);
  });

  it('answers curl-style HTTP on the socket directly', async () => {
    const m = writeManifest(twoLoops);
    const daemon = startDaemon(m.file);
    await daemon.ready();
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: m.socket, path: '/v1/status', method: 'GET' }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve(data));
      });
      req.on('error', reject);
      req.end();
    });
    expect((JSON.parse(body) as { result: Status }).result.controller.loops).toHaveLength(2);
  });

  it('ctl shutdown and superloopsd stop end the daemon gracefully', async () => {
    const m = writeManifest(twoLoops);
    const daemon = startDaemon(m.file);
    await daemon.ready();
    const stop = await run('superloopsd', ['stop', m.file]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toBe('daemon stopped: 2 loops, 2 graceful, 0 terminated\n');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.lines.at(-1)?.msg).toBe('Stopped');
    // Nobody left at the socket: exit 3, as `ctl` says it.
    const again = await run('superloopsd', ['stop', m.file]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/no daemon is listening at/);
  });

  it('a second daemon on a live socket refuses to start and says so; a stale socket is reclaimed', async () => {
    const m = writeManifest(twoLoops);
    const first = startDaemon(m.file);
    await first.ready();
    const second = await run('superloopsd', ['start', m.file]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(m.socket);
    expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace

    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(m.socket)).toBe(true);
    const third = startDaemon(m.file);
    await third.ready();
    expect((await status(m.socket)).daemon.pid).toBe(third.child.pid);
  });

  it('SIGHUP reloads: added loops start, removed stop, changed restart, unchanged keep running', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock }
defaults: { grace_period: 1 }
loops:
  - { name: Keep, module: FIXTURES/counts-cycles.ts }
  - { name: Change, module: FIXTURES/counts-cycles.ts, max_loop_failures: 5 }
  - { name: Remove, module: FIXTURES/counts-cycles.ts }
`);
    const daemon = startDaemon(m.file);
    await daemon.ready();
    const before = await status(m.socket);
    const keepBefore = loop(before, 'Keep');
    writeManifest(
      `
controller: { socket: ./superloops.sock }
defaults: { grace_period: 1 }
loops:
  - { name: Keep, module: FIXTURES/counts-cycles.ts }
  - { name: Change, module: FIXTURES/counts-cycles.ts, max_loop_failures: 6 }
  - { name: Add, module: FIXTURES/counts-cycles.ts }
`,
      m.dir,
    );
    const firstLine = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    const reloaded = await daemon.waitForLine((l) => l.msg === 'Reloaded', 'the reload');
    expect(reloaded).toMatchObject({ added: ['Add'], removed: ['Remove'], changed: ['Change'], unchanged: ['Keep'] });
    const s = await status(m.socket);
    expect(s.controller.loops.map((l) => l.name).sort()).toEqual(['Add', 'Change', 'Keep']);
    expect(loop(s, 'Keep').generation).toBe(keepBefore.generation);
    expect(s.controller.loops.every((l) => l.state === 'running')).toBe(true);
    // Keep's worker is the same one; Change's is new.
    expect(loop(s, 'Keep').startedAt).toBe(keepBefore.startedAt);
    expect(loop(s, 'Change').startedAt).toBeGreaterThan(loop(before, 'Change').startedAt);
    // Removed and changed loops were stopped gracefully; Keep was never asked to stop.
    const since = daemon.lines.slice(firstLine);
    const said = (name: string, msg: string) => since.some((l) => l.loop === name && l.msg === msg);
    for (const name of ['Remove', 'Change']) {
      expect(said(name, 'Stopping')).toBe(true);
      expect(said(name, 'Exited gracefully')).toBe(true);
    }
    expect(said('Keep', 'Stopping')).toBe(false);

    // A broken manifest is rejected whole: nothing changes.
    writeFileSync(m.file, 'loops: [ {name: Broken');
    const rejected = await ctl(m.socket, 'reload');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr + rejected.stdout).toMatch(/config\.yaml:\d+/);
    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitForLine((l) => l.msg === 'Reload rejected, nothing changed', 'the rejected reload');
    // A config error is data: its code, its message and each problem where it is, not a stack trace.
    expect(refused).toMatchObject({
      level: 50,
      code: 'SL_ERR_CONFIG_INVALID',
      file: m.file,
      reason: expect.stringMatching(/config\.yaml:\d+:\d+ invalid YAML/),
      problems: [{ path: '', line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/^invalid YAML/) }],
    });
    expect(refused).not.toHaveProperty('err');
    expect(JSON.stringify(refused)).not.toMatch(/"stack"|\n\s+at /);
    const after = await status(m.socket);
    expect(after.controller.loops.map((l) => l.name).sort()).toEqual(['Add', 'Change', 'Keep']);
    for (const name of ['Add', 'Change', 'Keep']) expect(loop(after, name).startedAt).toBe(loop(s, name).startedAt);
  });

  it('exits 2 when the controller gives up, so that an orchestrator restarts it', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock, max_resets: 1, reset_window: 1m }
loops:
  - { name: Bad, module: FIXTURES/reports-failures.ts, max_loop_failures: 1, grace_period: 1 }
`);
    const daemon = startDaemon(m.file);
    const exit = await daemon.exited;
    expect(exit.code).toBe(2);
    expect(daemon.lines.some((l) => l.msg === 'Gave up: too many resets')).toBe(true);
    expect(daemon.lines.at(-1)).toMatchObject({ msg: 'Stopped', exitCode: 2 });
  });

  it('runs reset_callback in a worker of its own and terminates it at reset_callback_timeout; the reset goes on', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock, reset_callback: FIXTURES/reset-callback-hangs.ts, reset_callback_timeout: 300ms }
loops:
  - { name: Alpha, module: FIXTURES/counts-cycles.ts, grace_period: 1 }
`);
    const daemon = startDaemon(m.file);
    await daemon.ready();
    const threads = () => readdirSync(`/proc/${daemon.child.pid}/task`).length;
    const before = threads();
    const reset = await ctl(m.socket, 'reset');
    expect(reset.code).toBe(0);
    const said = await daemon.waitForLine((l) => l.msg === 'callback sees Alpha', 'the callback’s stdout line');
    expect(said).toMatchObject({ thread: 'reset_callback', stream: 'stdout', resetId: expect.any(String) });
    const failed = await daemon.waitForLine((l) => l.msg === 'Reset callback failed', 'the callback’s time-out');
    expect(failed).toMatchObject({ resetId: said.resetId, err: { message: expect.stringMatching(/within 300 ms/) } });
    await daemon.waitForLine((l) => l.msg === 'Restart completed' && l.resetId === said.resetId, 'the reset to complete');
    // The callback's worker is gone: the daemon is back to its threads before the reset.
    await waitFor(() => threads() === before, { what: 'the callback worker to be terminated' });
  });

  it('an HTTP port already taken is a clear error, exit 1, and leaves no socket behind', async () => {
    const m = writeManifest(twoLoops);
    const first = startDaemon(m.file, '--http', '127.0.0.1:0');
    const port = ((await first.ready()).http as { port: number }).port;
    const other = writeManifest(twoLoops);
    const second = await run('superloopsd', ['start', other.file, '--http', `127.0.0.1:${port}`]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`127.0.0.1:${port}`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(other.socket)).toBe(false);
  });

  it('--http serves the health endpoints', async () => {
    const m = writeManifest(twoLoops);
    const daemon = startDaemon(m.file, '--http', '127.0.0.1:0');
    const ready = await daemon.ready();
    const port = (ready.http as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(200);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, { what: '/metrics' });
  });
});

describe('bad manifests: a clear error and exit 1, never a stack trace', () => {
  // Each names the file, line and column, then the key path, then what is wrong.
  const cases: [string, string, RegExp][] = [
    ['syntax error', 'loops: [ {name: A', /config\.yaml:\d+:\d+ invalid YAML/],
    ['unknown key', 'loops:\n  - { name: A, module: FIXTURES/counts-cycles.ts, grace_perod: 1 }', /config\.yaml:2:\d+ loops\[0\]\.grace_perod: unknown key .*did you mean .?grace_period/],
    ['wrong type', 'loops:\n  - { name: A, module: FIXTURES/counts-cycles.ts, max_loop_failures: lots }', /config\.yaml:2:\d+ loops\[0\]\.max_loop_failures: "lots" is not a whole number/],
    ['missing module', 'loops:\n  - { name: A, module: ./nowhere.ts }', /config\.yaml:2:24 loops\[0\]\.module: "\.\/nowhere\.ts" does not exist/],
    ['duplicate names', 'loops:\n  - { name: A, module: FIXTURES/counts-cycles.ts }\n  - { name: A, module: FIXTURES/counts-cycles.ts }', /config\.yaml:3:13 loops\[1\]\.name: "A" is already the name of loops\[0\]/],
    ['unset env var', 'loops:\n  - { name: A, module: FIXTURES/counts-cycles.ts, options: { key: "${SL_TEST_UNSET_VAR}" } }', /config\.yaml:2:\d+ loops\[0\]\.options\.key: environment variable SL_TEST_UNSET_VAR is not set/],
    ['socket directory missing', 'controller: { socket: ./nodir/x.sock }\nloops:\n  - { name: A, module: FIXTURES/counts-cycles.ts }', /config\.yaml:1:23 controller\.socket: its directory \S+\/nodir does not exist/],
  ];
  it.each(cases)('%s', async (_name, yaml, message) => {
    const m = writeManifest(yaml);
    const result = await run('superloopsd', ['start', m.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a module without a SuperLoop: validate reports it and exits 1; start marks only that loop failed', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock }
loops:
  - { name: Good, module: FIXTURES/counts-cycles.ts }
  - { name: NotALoop, module: FIXTURES/no-superloop.ts }
  - { name: Throws, module: FIXTURES/throws-on-import.ts }
`);
    const validate = await run('superloopsd', ['validate', m.file]);
    expect(validate.code).toBe(1);
    // Each problem says where its module: key is written.
    expect(validate.stderr).toContain(`${m.file}:5:31 loops[1].module: NotALoop (`);
    expect(validate.stderr).toMatch(/NotALoop .*must be a class that extends SuperLoop/);
    expect(validate.stderr).toContain(`${m.file}:6:29 loops[2].module: Throws (`);
    expect(validate.stderr).toMatch(/Throws .*this module cannot be imported/);
    expect(validate.stderr).not.toMatch(/Good/);

    const daemon = startDaemon(m.file);
    await daemon.ready();
    const s = await status(m.socket);
    expect(s.controller.loops.map((l) => [l.name, l.state])).toEqual([
      ['Good', 'running'],
      ['NotALoop', 'failed'],
      ['Throws', 'failed'],
    ]);
    // ctl status says why, under its table, naming each file.
    const table = await ctl(m.socket, 'status');
    expect(table.stdout).toMatch(/^NotALoop failed: .*no-superloop\.ts .*must be a class that extends SuperLoop/m);
    expect(table.stdout).toMatch(/^Throws failed: .*throws-on-import\.ts: /m);
    expect(table.stdout).toMatch(/^NotALoop +failed .* load-error \S+ ago$/m);
  });

  it('validate accepts the example manifest', async () => {
    const result = await run('superloopsd', ['validate', 'config/config.yaml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok, 5 loop(s)');
  });
});
