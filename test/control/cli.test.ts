import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopState, startHarness, type Harness } from './harness.js';

// The built CLI (node esbuild.mjs --no-types) as a real child process, against a
// real control server in this process: so the child must be awaited without
// blocking the event loop (no execFileSync).
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(root, 'bin/superloops.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function superloops(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    if (!options.env?.SUPERLOOPS_SOCKET) delete env.SUPERLOOPS_SOCKET;
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let h: Harness;
const ctl = (...args: string[]): Promise<Run> => superloops(['ctl', '--socket', h.socketPath, ...args]);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('superloops ctl', () => {
  it('status prints a header and a table of the loops', async () => {
    const run = await ctl('status');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [header, columns, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(new RegExp(`^superloopsd pid ${process.pid}, up \\S+, green light, 0 global resets, 2 loops$`));
    expect(columns!.split(/\s{2,}/)).toEqual(['LOOP', 'STATE', 'THREAD', 'GEN', 'UPTIME', 'CYCLES', 'FAILURES', 'RESTARTS', 'MEMORY', 'LAST FAILURE']);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 4))).toEqual([
      ['Counter', 'running', 'Counter_0', '0'],
      ['Spinner', 'running', 'Spinner_0', '0'],
    ]);
    expect(rows[0]).toMatch(/\d+(ms|s|m\d\ds)\s+\d+\s+0\s+0\s+\d+\.\d MiB\s+-$/);
  });

  it('status --json prints the daemon status', async () => {
    const run = await ctl('status', '--json');
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status.daemon.socket).toBe(h.socketPath);
    expect(status.controller.loops.map((l: { name: string }) => l.name)).toEqual(['Counter', 'Spinner']);
  });

  it('the socket comes from SUPERLOOPS_SOCKET when --socket is not given', async () => {
    const run = await superloops(['ctl', 'status', '--json'], { env: { SUPERLOOPS_SOCKET: h.socketPath } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).daemon.socket).toBe(h.socketPath);
  });

  it('hard-reset prints the new generation', async () => {
    const before = h.controller.getLoop('Spinner').generation;
    const run = await ctl('hard-reset', 'Spinner', '--force');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const generation = before + 1;
    expect(run.stdout).toBe(`Spinner: hard reset, now generation ${generation} (Spinner_${generation})\n`);
    expect(h.controller.getLoop('Spinner').generation).toBe(generation);
  });

  it('every verb prints what happened', async () => {
    const counter = h.controller.getLoop('Counter');
    expect((await ctl('stop', 'Counter')).stdout).toBe('Counter: stopped gracefully\n');
    expect((await ctl('stop', 'Counter')).stdout).toBe('Counter: was not running\n');
    const g = counter.generation + 1;
    expect((await ctl('start', 'Counter')).stdout).toBe(`Counter: started, now generation ${g} (Counter_${g})\n`);
    expect((await ctl('restart', 'Counter')).stdout).toBe(`Counter: restarted, now generation ${g + 1} (Counter_${g + 1})\n`);
    expect((await ctl('failure', 'Counter')).stdout).toMatch(/^Counter: failure recorded, \d+ failures? in its budget now\n$/);
    expect((await ctl('stop', '--all')).stdout).toMatch(/^Counter: stopped gracefully\nSpinner: stopped/);
    expect((await ctl('start', '--all')).stdout).toMatch(/^Counter: started, now generation \d+ \(Counter_\d+\)\nSpinner: started, now generation \d+/);
    expect((await ctl('reset')).stdout).toMatch(/^global reset \w+ done in \S+; restarted: Counter, Spinner\n$/);
    expect((await ctl('reload')).stdout).toBe('reloaded: added (none); removed (none); changed (none); unchanged Counter, Spinner\n');
    const hardReset = await ctl('hard-reset', 'Counter', '--json');
    expect(JSON.parse(hardReset.stdout)).toEqual({ started: true, generation: expect.any(Number) });
  });

  it('a refusal exits 1 with the daemon\'s message: an unknown loop lists the known ones', async () => {
    const before = loopState(h.controller);
    const run = await ctl('stop', 'Nope');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('superloops: no loop named "Nope"; known loops: Counter, Spinner (SL_ERR_LOOP_NOT_FOUND)\n');
    const json = await ctl('stop', 'Nope', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('SL_ERR_LOOP_NOT_FOUND');
    expect(loopState(h.controller)).toEqual(before);
  });

  it('usage errors exit 2 and send nothing', async () => {
    const calls = h.target.calls.length;
    for (const args of [['restart'], ['bogus'], ['start'], ['start', 'Counter', '--all'], ['stop', '1bad'], ['status', '--bogus'], ['--timeout', 'soon', 'status']]) {
      const run = await ctl(...args);
      expect(run.code, `superloops ctl ${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr, `superloops ctl ${args.join(' ')}`).not.toBe('');
    }
    expect((await superloops([])).code).toBe(2);
    expect((await superloops(['ctl'])).code).toBe(2);
    expect(h.target.calls.length).toBe(calls);
  });

  it('no daemon at the socket exits 3 naming the path tried (./superloops.sock from the working directory by default)', async () => {
    const run = await superloops(['ctl', 'status'], { cwd: h.dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`no daemon is listening at ${path.join(h.dir, 'superloops.sock')}`);
    expect(run.stderr).toContain('superloopsd start');
    // With --json, the same refusal as JSON on stdout, in the daemon's error shape.
    const json = await superloops(['ctl', 'status', '--json'], { cwd: h.dir });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'SL_ERR_NO_DAEMON', message: expect.stringContaining('no daemon is listening at') } });
  });

  it('--help works for the program, ctl and every verb', async () => {
    const verbs = ['status', 'start', 'stop', 'restart', 'hard-reset', 'failure', 'reset', 'reload', 'shutdown'];
    const runs = await Promise.all([superloops(['--help']), superloops(['ctl', '--help']), ...verbs.map((v) => superloops(['ctl', v, '--help']))]);
    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]!.stdout).toContain('--socket <path>');
    for (const v of verbs) expect(runs[1]!.stdout).toContain(v);
    expect(runs[1]!.stdout).toContain('Exit codes');
    verbs.forEach((v, i) => expect(runs[i + 2]!.stdout).toContain(`Usage: superloops ctl ${v}`));
    expect(runs[2 + verbs.indexOf('hard-reset')]!.stdout).toContain('--force');
  });

  it('shutdown waits for the stop and prints how it went; --no-wait prints that it has begun', async () => {
    const noWait = await ctl('shutdown', '--no-wait');
    expect(noWait.code).toBe(0);
    expect(noWait.stdout).toBe('daemon is shutting down\n');
    await h.shutdownCalled;
    const run = await ctl('shutdown');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('daemon stopped: 2 loops, 2 graceful, 0 terminated\n');
    // Past shutdown_timeout, some worker may still be there: exit 1.
    h.target.shutdownWith = async () => ({ loops: 2, graceful: 1, terminated: 0, timedOut: true, exitCode: 130 });
    const late = await ctl('shutdown', '--json');
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toEqual({ shuttingDown: true, stopped: { loops: 2, graceful: 1, terminated: 0, timedOut: true, exitCode: 130 } });
  });
});
