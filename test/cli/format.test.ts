import { describe, expect, it } from 'vitest';
import type { LoopStatus } from 'superloops';
import {
  describeEach,
  describeFailure,
  describeReload,
  describeReset,
  describeShutdown,
  describeStart,
  describeStop,
  formatDuration,
  formatMiB,
  formatStatus,
} from '../../src/cli/format.js';
import type { DaemonStatus } from '../../src/control/target.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [192_000, '3m12s'],
    [3_600_000 - 1, '59m59s'],
    [3_600_000 + 5 * 60_000, '1h05m'],
    [86_400_000 + 4 * 3_600_000, '1d04h'],
    [-1, '-'],
    [Number.NaN, '-'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatMiB', () => {
  it('shows MiB with one decimal', () => {
    expect(formatMiB(0)).toBe('0.0 MiB');
    expect(formatMiB(12.34 * 1024 * 1024)).toBe('12.3 MiB');
    expect(formatMiB(512 * 1024)).toBe('0.5 MiB');
  });
});

const loop = (over: Partial<LoopStatus>): LoopStatus => ({
  name: 'ApiFeedLoop',
  state: 'running',
  running: true,
  alive: true,
  generation: 3,
  thread: 'ApiFeedLoop_3',
  startedAt: 1,
  uptimeMs: 192_000,
  cycles: 1204,
  lastCycleAt: 2,
  failures: 1,
  failuresByKind: { reported: 1, 'cycle-error': 0, crash: 0, oom: 0, exit: 0, watchdog: 0, 'thread-start': 0 },
  restarts: 2,
  heapUsedBytes: 12.34 * 1024 * 1024,
  resetGlobally: true,
  lastFailure: { kind: 'reported', message: 'failure() was called', at: 0, generation: 3 },
  ...over,
});

const status = (controller: Partial<DaemonStatus['controller']>, loops: LoopStatus[]): DaemonStatus => ({
  daemon: { pid: 4242, version: '0.1.0', startedAt: 0, uptimeMs: 3_700_000, manifest: 'config.yaml', socket: '/run/sl.sock', state: 'running' },
  controller: { greenLight: true, resetting: false, gaveUp: false, resets: 1, restarts: 0, loops, ...controller },
});

describe('formatStatus', () => {
  it('prints a header and an aligned table', () => {
    const text = formatStatus(
      status({}, [
        loop({}),
        loop({ name: 'Idle', state: 'stopped', alive: false, generation: -1, thread: 'Idle', startedAt: null, uptimeMs: 0, cycles: 0, failures: 0, restarts: 0, heapUsedBytes: 0, lastFailure: null }),
      ]),
      45_000,
    );
    expect(text).toBe(
      [
        'superloopsd pid 4242, up 1h01m, green light, 1 global reset, 2 loops',
        'LOOP         STATE    THREAD         GEN  UPTIME  CYCLES  FAILURES  RESTARTS    MEMORY  LAST FAILURE',
        'ApiFeedLoop  running  ApiFeedLoop_3    3   3m12s    1204         1         2  12.3 MiB  reported 45s ago',
        'Idle         stopped  -                -       -       0         0         0         -  -',
        '',
      ].join('\n'),
    );
  });

  it('says under the table why a failed loop failed, in one line', () => {
    const broken = loop({
      name: 'Broken',
      state: 'failed',
      running: false,
      alive: false,
      lastFailure: { kind: 'load-error', message: '/app/loops/broken.ts has no default export; its default export must be a class that extends SuperLoop\n  at …', at: 1000, generation: 0 },
    });
    const text = formatStatus(status({}, [loop({}), broken]), 3000);
    expect(text.split('\n').slice(-3)).toEqual([
      '',
      'Broken failed: /app/loops/broken.ts has no default export; its default export must be a class that extends SuperLoop',
      '',
    ]);
    expect(text).toContain('load-error 2s ago');
  });

  it('says when the system is resetting, has given up, or the daemon is stopping', () => {
    expect(formatStatus(status({ resetting: true, greenLight: false }, [loop({})])).split('\n')[0]).toContain(', resetting,');
    expect(formatStatus(status({ greenLight: false }, [loop({})])).split('\n')[0]).toContain(', red light,');
    expect(formatStatus(status({ gaveUp: true, greenLight: false }, [loop({})])).split('\n')[0]).toContain('GAVE UP');
    const stopping = status({}, []);
    stopping.daemon.state = 'stopping';
    expect(formatStatus(stopping)).toBe('superloopsd pid 4242, up 1h01m, STOPPING, green light, 1 global reset, 0 loops\n(no loops in the manifest)\n');
  });
});

describe('command results', () => {
  it('says what happened in one line', () => {
    expect(describeStart('ApiFeedLoop', { started: true, generation: 3 }, 'hard reset')).toBe('ApiFeedLoop: hard reset, now generation 3 (ApiFeedLoop_3)');
    expect(describeStart('A', { started: true, generation: 0, reason: 'already-running' })).toBe('A: already running, generation 0 (A_0)');
    expect(describeStart('A', { started: false, generation: 1, reason: 'vetoed' })).toBe('A: not started (generation 1): onStart returned false');
    expect(describeStart('A', { started: false, generation: 1, reason: 'load-error', error: { name: 'Error', message: 'boom' } })).toBe(
      'A: not started (generation 1): its module failed to load: boom',
    );
    expect(describeStop('A', { graceful: true, wasAlive: true })).toBe('A: stopped gracefully');
    expect(describeStop('A', { graceful: false, wasAlive: true })).toMatch(/^A: stopped \(terminated/);
    expect(describeStop('A', { graceful: true, wasAlive: false })).toBe('A: was not running');
    expect(describeFailure('A', { failures: 1 })).toBe('A: failure recorded, 1 failure in its budget now');
    expect(describeReset({ resetId: 'ab12', restarted: ['A', 'B'], durationMs: 1500 })).toBe('global reset ab12 done in 1s; restarted: A, B');
    expect(describeReload({ added: ['C'], removed: [], changed: ['A'], unchanged: ['B'] })).toBe(
      'reloaded: added C; removed (none); changed A; unchanged B',
    );
    expect(describeReload({ added: [], removed: [], changed: [], unchanged: ['B'], controllerIgnored: true })).toBe(
      'reloaded: added (none); removed (none); changed (none); unchanged B\ncontroller: settings changed in the manifest; they take effect when the daemon restarts',
    );
    expect(describeShutdown({ shuttingDown: true })).toBe('daemon is shutting down');
    expect(describeShutdown({ shuttingDown: true, stopped: { loops: 2, graceful: 1, terminated: 1, timedOut: false, exitCode: 0 } })).toBe(
      'daemon stopped: 2 loops, 1 graceful, 1 terminated',
    );
    expect(describeShutdown({ shuttingDown: true, stopped: { loops: 1, graceful: 0, terminated: 0, timedOut: true, exitCode: 130 } })).toMatch(
      /^daemon stopped past shutdown_timeout: 1 loop, 0 graceful, 0 terminated, .*exit code 130/,
    );
    expect(describeEach({ B: { graceful: true, wasAlive: true }, A: { graceful: true, wasAlive: false } }, describeStop)).toBe(
      'A: was not running\nB: stopped gracefully',
    );
    expect(describeEach({}, describeStop)).toBe('(no loops)');
  });
});
