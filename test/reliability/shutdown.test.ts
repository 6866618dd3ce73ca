import { lstatSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, waitFor } from '../helpers.js';
import { fileURLToPath } from 'node:url';
import { cleanup, DaemonProcess, msBetween, processAlive, tempDir, writeManifest, type LogRecord } from './daemon-process.js';

// Shutdown guarantees of `superloopsd start`, against the real process:
// signals in, exit codes and the last log line out.

/** What a stop may take beyond the grace period it waited out: terminate() (~10 ms), process exit, a loaded CI box. */
const BOUND_MS = 1500;

afterEach(cleanup);

/** Logs "hanging", then awaits a promise that never settles, ignoring stop requests. */
const ANNOUNCES_HANG = fileURLToPath(new URL('./fixtures/announces-hang.ts', import.meta.url));
/** `logs-then-spins` with `{ lines: 1 }`: logs "burst done", then `while (true) {}`. */
const SPINS = { module: fixture('logs-then-spins'), options: { lines: 1 } };

/** Resolves once `loop` has said it is stuck (a stop that came earlier would end it gracefully, and rightly). */
const stuck = (d: DaemonProcess, loop: string): Promise<LogRecord> =>
  d.waitForLine((r) => r.loop === loop && (r.msg === 'hanging' || r.msg === 'burst done'), { what: `${loop} to be stuck in its cycle` });

const isStopped = (r: LogRecord): boolean => r.msg === 'Stopped';
const line = (d: DaemonProcess, loop: string, msg: string): LogRecord | undefined => d.records.find((r) => r.loop === loop && r.msg === msg);

function mixedManifest(dir: string): string {
  return writeManifest(dir, {
    controller: { shutdown_timeout: '10s' },
    loops: [
      // Cooperative: its cycle sleeps through this.sleep, its hooks log.
      { name: 'polite', module: fixture('reports-lifecycle'), grace_period: '1s' },
      // Stuck in `while (true) {}`: only terminate() ends it.
      { name: 'spinning', ...SPINS, grace_period: '1200ms' },
      // Stuck on a promise that never settles, ignoring its abort signal.
      { name: 'waiting', module: ANNOUNCES_HANG, grace_period: '1500ms' },
    ],
  });
}

describe('SIGTERM', () => {
  it('stops cooperative and stuck loops in parallel, each within its grace period, and exits 0 with "Stopped" last', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'ctl.sock');
    const daemon = await DaemonProcess.start({ manifest: mixedManifest(dir), socket });
    await daemon.waitForLine((r) => r.loop === 'polite' && r.hook === 'onThreadStart', { what: 'polite onThreadStart' });
    await stuck(daemon, 'spinning');
    await stuck(daemon, 'waiting');
    const children = daemon.childPids();

    const sent = performance.now();
    daemon.signal('SIGTERM');
    const exit = await daemon.exitWithin(1500 + BOUND_MS + 2000, 'exit after SIGTERM');
    await daemon.drained;

    expect(exit).toMatchObject({ code: 0, signal: null });
    // The longest grace period (1.5 s) plus a bound: the loops were stopped at once, not one after another (3.7 s).
    expect(exit.at - sent).toBeLessThan(1500 + BOUND_MS);

    const stopping = ['polite', 'spinning', 'waiting'].map((loop) => line(daemon, loop, 'Stopping')!);
    expect(stopping.every(Boolean)).toBe(true);
    const asked = stopping.map((r) => Date.parse(r.time));
    expect(Math.max(...asked) - Math.min(...asked)).toBeLessThan(200); // all asked together

    // The cooperative loop ran its stop hooks and ended by itself.
    const shuttingDown = daemon.records.findIndex((r) => r.msg === 'Shutting down');
    const hooks = daemon.records.slice(shuttingDown).filter((r) => r.loop === 'polite' && r.msg === 'hook').map((r) => r.hook);
    expect(hooks).toEqual(['onStop', 'onThreadStop']);
    expect(line(daemon, 'polite', 'Exited gracefully')).toBeDefined();

    // The stuck ones were asked, given their whole grace period, then terminated.
    for (const [loop, graceMs] of [['spinning', 1200], ['waiting', 1500]] as const) {
      const terminated = line(daemon, loop, 'Terminated');
      expect(terminated, `${loop} terminated`).toBeDefined();
      expect(msBetween(line(daemon, loop, 'Stopping')!, terminated!)).toBeGreaterThanOrEqual(graceMs - 5);
      expect(line(daemon, loop, 'Exited gracefully')).toBeUndefined();
    }

    // Every generation that started has ended before the last line.
    for (const started of daemon.records.filter((r) => r.msg === 'Started')) {
      const ended = daemon.records.find(
        (r) => r.loop === started.loop && r.generation === started.generation && ['Exited gracefully', 'Terminated', 'Worker died'].includes(r.msg!),
      );
      expect(ended, `${started.loop} generation ${started.generation} ended`).toBeDefined();
    }

    const last = JSON.parse(daemon.raw[daemon.raw.length - 1]!) as LogRecord;
    expect(last).toMatchObject({ msg: 'Stopped', loops: 3, graceful: 1, terminated: 2, timedOut: false, exitCode: 0 });
    expect(daemon.stderr).toBe('');
    // Nothing the daemon started outlives it (its esbuild service), and its socket file is gone.
    await waitFor(() => children.every((pid) => !processAlive(pid)), { timeoutMs: 5000, what: "the daemon's child processes to end" });
    expect(() => lstatSync(socket)).toThrow(/ENOENT/);
  });

  it('is bounded as a whole by shutdown_timeout: past it the daemon exits 130, reporting the time-out', async () => {
    const dir = tempDir();
    const manifest = writeManifest(dir, {
      controller: { shutdown_timeout: '1s' },
      loops: [{ name: 'waiting', module: ANNOUNCES_HANG, grace_period: '30s' }],
    });
    const daemon = await DaemonProcess.start({ manifest, socket: path.join(dir, 'ctl.sock') });
    await stuck(daemon, 'waiting');

    const sent = performance.now();
    daemon.signal('SIGTERM');
    const exit = await daemon.exitWithin(1000 + BOUND_MS + 2000, 'exit after SIGTERM with a 1 s shutdown_timeout');
    await daemon.drained;

    expect(exit.code).toBe(130);
    expect(exit.at - sent).toBeLessThan(1000 + BOUND_MS);
    const last = JSON.parse(daemon.raw[daemon.raw.length - 1]!) as LogRecord;
    // The last line says what the process exit code says.
    expect(last).toMatchObject({ msg: 'Stopped', loops: 1, timedOut: true, exitCode: 130 });
  });

  it('a second SIGTERM during a long graceful stop exits at once with 130', async () => {
    const dir = tempDir();
    const manifest = writeManifest(dir, {
      controller: { shutdown_timeout: '60s' },
      loops: [{ name: 'waiting', module: ANNOUNCES_HANG, grace_period: '30s' }],
    });
    const daemon = await DaemonProcess.start({ manifest, socket: path.join(dir, 'ctl.sock') });
    await stuck(daemon, 'waiting');

    daemon.signal('SIGTERM');
    await daemon.waitForLine((r) => r.loop === 'waiting' && r.msg === 'Stopping', { what: 'the graceful stop to begin' });
    const second = performance.now();
    daemon.signal('SIGTERM');
    const exit = await daemon.exitWithin(BOUND_MS + 2000, 'exit after the second SIGTERM');
    await daemon.drained;

    expect(exit.code).toBe(130);
    expect(exit.at - second).toBeLessThan(BOUND_MS);
    expect(daemon.records.some((r) => r.msg === 'Second signal, exiting at once')).toBe(true);
    expect(daemon.records.some(isStopped)).toBe(false);
  });

  it.each([
    ['SIGINT', (d: DaemonProcess) => d.signal('SIGINT')],
    ['ctl shutdown', async (d: DaemonProcess) => expect((await d.request('POST', '/v1/shutdown')).status).toBe(202)],
  ] as const)('%s stops gracefully like SIGTERM: exit 0, "Stopped" last', async (_name, trigger) => {
    const dir = tempDir();
    const manifest = writeManifest(dir, { loops: [{ name: 'polite', module: fixture('reports-lifecycle'), grace_period: '2s' }] });
    const daemon = await DaemonProcess.start({ manifest, socket: path.join(dir, 'ctl.sock') });
    await daemon.waitForLine((r) => r.loop === 'polite' && r.msg === 'Started', { what: 'polite to start' });

    await trigger(daemon);
    const exit = await daemon.exitWithin(2000 + BOUND_MS, 'exit');
    await daemon.drained;

    expect(exit.code).toBe(0);
    expect(daemon.records.filter((r) => r.loop === 'polite' && r.msg === 'hook').map((r) => r.hook)).toContain('onThreadStop');
    expect(JSON.parse(daemon.raw[daemon.raw.length - 1]!)).toMatchObject({ msg: 'Stopped', loops: 1, graceful: 1, terminated: 0, timedOut: false, exitCode: 0 });
  });
});

describe('the control socket across daemon lives', () => {
  it('SIGKILL leaves a stale socket file, and the next start reclaims it', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'ctl.sock');
    const manifest = writeManifest(dir, { loops: [{ name: 'counter', module: fixture('counts-cycles') }] });
    const first = await DaemonProcess.start({ manifest, socket });

    first.signal('SIGKILL');
    expect(await first.exitWithin(5000, 'exit after SIGKILL')).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(lstatSync(socket).isSocket()).toBe(true); // nobody removed it

    const second = await DaemonProcess.start({ manifest, socket });
    expect((await second.status()).daemon.pid).toBe(second.pid);
    second.signal('SIGTERM');
    expect((await second.exitWithin(5000 + BOUND_MS, 'exit after SIGTERM')).code).toBe(0);
    expect(() => lstatSync(socket)).toThrow(/ENOENT/);
  });

  it('a second daemon on a live socket exits 1 and leaves the first one serving', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'ctl.sock');
    const manifest = writeManifest(dir, { loops: [{ name: 'counter', module: fixture('counts-cycles') }] });
    const first = await DaemonProcess.start({ manifest, socket });
    const inode = lstatSync(socket).ino;

    const second = await DaemonProcess.start({ manifest, socket, ready: false });
    expect((await second.exitWithin(10_000, 'the second daemon to give up')).code).toBe(1);
    expect(second.records.some((r) => r.msg === 'Daemon ready')).toBe(false);

    expect(lstatSync(socket).ino).toBe(inode);
    expect((await first.status()).daemon.pid).toBe(first.pid);
  });
});
