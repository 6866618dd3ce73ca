import type { ResetResult } from '../controller/controller.js';
import type { LoopStatus, StartResult, StopResult } from '../loop/loop.js';
import type { ShutdownResult } from '../control/protocol.js';
import type { DaemonStatus, ReloadResult } from '../control/target.js';

// What `superloops ctl` prints: pure functions of the daemon's answers.
// Type-only imports, so the CLI does not load the controller to print its status.

/** `850ms`, `45s`, `3m12s`, `2h05m`, `3d04h`: two units at most, like `pm2 ls`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d${pad(h % 24)}h`;
}

/** Bytes as MiB with one decimal: `12.3 MiB`. */
export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The health of the whole system, in the words of the README. */
export function describeHealth(status: DaemonStatus): string {
  const c = status.controller;
  if (c.gaveUp) return 'GAVE UP (too many global resets; restart the daemon)';
  if (c.resetting) return 'resetting';
  return c.greenLight ? 'green light' : 'red light';
}

const COLUMNS: { title: string; right?: boolean; cell: (l: LoopStatus, now: number) => string }[] = [
  { title: 'LOOP', cell: (l) => l.name },
  { title: 'STATE', cell: (l) => l.state },
  { title: 'THREAD', cell: (l) => (l.generation < 0 ? '-' : l.thread) },
  { title: 'GEN', right: true, cell: (l) => (l.generation < 0 ? '-' : String(l.generation)) },
  { title: 'UPTIME', right: true, cell: (l) => (l.startedAt === null ? '-' : formatDuration(l.uptimeMs)) },
  { title: 'CYCLES', right: true, cell: (l) => String(l.cycles) },
  { title: 'FAILURES', right: true, cell: (l) => String(l.failures) },
  { title: 'RESTARTS', right: true, cell: (l) => String(l.restarts) },
  { title: 'MEMORY', right: true, cell: (l) => (l.alive ? formatMiB(l.heapUsedBytes) : '-') },
  { title: 'LAST FAILURE', cell: (l, now) => (l.lastFailure === null ? '-' : `${l.lastFailure.kind} ${formatDuration(now - l.lastFailure.at)} ago`) },
];

/** A header line about the daemon, one row per loop, then why each failed loop failed. */
export function formatStatus(status: DaemonStatus, now = Date.now()): string {
  const d = status.daemon;
  const c = status.controller;
  const header = [
    `superloopsd pid ${d.pid}`,
    `up ${formatDuration(d.uptimeMs)}`,
    ...(d.state === 'stopping' ? ['STOPPING'] : []),
    describeHealth(status),
    `${c.resets} global reset${c.resets === 1 ? '' : 's'}`,
    `${c.loops.length} loop${c.loops.length === 1 ? '' : 's'}`,
  ].join(', ');
  if (c.loops.length === 0) return `${header}\n(no loops in the manifest)\n`;
  const rows = [COLUMNS.map((col) => col.title), ...c.loops.map((l) => COLUMNS.map((col) => col.cell(l, now)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  // A loop that cannot run says why: the table has room for the kind, not the message.
  const reasons = c.loops
    .filter((l) => l.state === 'failed' && l.lastFailure !== null)
    .map((l) => `${l.name} failed: ${l.lastFailure!.message.split('\n')[0]}`);
  return `${header}\n${[...lines, ...(reasons.length > 0 ? ['', ...reasons] : [])].join('\n')}\n`;
}

/** The thread of a loop's generation, named as the loop handle names it. */
const thread = (name: string, generation: number): string => `${name}_${generation}`;

/** e.g. `ApiFeedLoop: hard reset, now generation 3 (ApiFeedLoop_3)`; `done` is what happened when it worked. */
export function describeStart(name: string, r: StartResult, done = 'started'): string {
  if (r.started && r.reason === 'already-running') return `${name}: already running, generation ${r.generation} (${thread(name, r.generation)})`;
  if (r.started) return `${name}: ${done}, now generation ${r.generation} (${thread(name, r.generation)})`;
  const why =
    r.reason === 'vetoed'
      ? 'onStart returned false'
      : r.reason === 'load-error'
        ? `its module failed to load${r.error ? `: ${r.error.message}` : ''}`
        : r.reason === 'interrupted'
          ? 'a stop or reset came before it was running'
          : `its worker died while starting${r.error ? `: ${r.error.message}` : ''}`;
  return `${name}: not started (generation ${r.generation}): ${why}`;
}

export function describeStop(name: string, r: StopResult): string {
  if (!r.wasAlive) return `${name}: was not running`;
  return r.graceful ? `${name}: stopped gracefully` : `${name}: stopped (terminated: it did not end within its grace period)`;
}

export function describeFailure(name: string, r: { failures: number }): string {
  return `${name}: failure recorded, ${r.failures} failure${r.failures === 1 ? '' : 's'} in its budget now`;
}

export function describeReset(r: ResetResult): string {
  const restarted = r.restarted.length > 0 ? r.restarted.join(', ') : '(none)';
  return `global reset ${r.resetId} done in ${formatDuration(r.durationMs)}; restarted: ${restarted}`;
}

export function describeReload(r: ReloadResult): string {
  const part = (label: string, names: string[]): string => `${label} ${names.length > 0 ? names.join(', ') : '(none)'}`;
  const parts = [part('added', r.added), part('removed', r.removed), part('changed', r.changed), part('unchanged', r.unchanged)];
  const ignored = r.controllerIgnored ? '\ncontroller: settings changed in the manifest; they take effect when the daemon restarts' : '';
  return `reloaded: ${parts.join('; ')}${ignored}`;
}

/** `daemon stopped: 2 loops, 1 graceful, 1 terminated`; without a report (--no-wait), that it has begun. */
export function describeShutdown(r: ShutdownResult): string {
  const s = r.stopped;
  if (s === undefined) return 'daemon is shutting down';
  const counts = `${s.loops} loop${s.loops === 1 ? '' : 's'}, ${s.graceful} graceful, ${s.terminated} terminated`;
  if (s.timedOut) return `daemon stopped past shutdown_timeout: ${counts}, the rest did not end in time (exit code ${s.exitCode})`;
  return `daemon stopped: ${counts}`;
}

/** One line per loop, sorted by name, for `--all`. */
export function describeEach<T>(results: Record<string, T>, line: (name: string, r: T) => string): string {
  const names = Object.keys(results).sort();
  return names.length === 0 ? '(no loops)' : names.map((n) => line(n, results[n]!)).join('\n');
}
