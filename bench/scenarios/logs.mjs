/**
 * Figure 9: log throughput. Four loops log as fast as they can through
 * `this.logger`, one line per cycle with a per-loop sequence number. For 5 s
 * the lines reaching the daemon's stdout are counted; then the daemon gets
 * SIGTERM, and once it has exited every line is checked: each loop writes
 * how many lines it has sent to a file (from its own thread, every 4096 lines
 * and when it stops), so lost = sent − received, per loop. The manifest's
 * shutdown_timeout is 5 s (the daemon exits by itself at most 5 s after
 * that); the bench waits 15 s, then kills it, and the loss then counts from
 * the last count written ("at least").
 *
 * The daemon's stdout is a file, not a pipe the bench reads, so the bench's
 * own reading costs the daemon nothing. No floor: the figure is a rate, and
 * the goal is that no line is ever lost.
 */
import { createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { nowMs, sleep } from '../lib/clock.mjs';
import { startDaemon } from '../lib/daemon.mjs';
import { loopsOf } from '../lib/manifest.mjs';
import { loopModule } from '../lib/paths.mjs';
import { statusKiB } from '../lib/proc.mjs';
import { info } from '../lib/row.mjs';

export const id = 'logs';
export const title = 'log throughput';

const LOOPS = 4;

/** Newlines in bytes [from, to) of `file`. */
function countNewlines(file, from, to) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let count = 0;
  try {
    for (let at = from; at < to; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, to - at), at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 10) count++;
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Per loop named in `names`: lines received, the highest sequence number seen, and the count it says it sent. */
async function tally(file, names) {
  const loops = new Map(names.map((name) => [name, { received: 0, maxSeq: -1, sent: undefined }]));
  const line = /"loop":"(logger\d+)".*?"(seq|sent)":(\d+)/;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of rl) {
    const m = line.exec(text);
    if (!m) continue;
    const l = loops.get(m[1]);
    if (!l) continue;
    const n = Number(m[3]);
    if (m[2] === 'seq') {
      l.received++;
      if (n > l.maxSeq) l.maxSeq = n;
    } else l.sent = n;
  }
  return loops;
}

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const windowMs = quick ? 1000 : 5000;
  const file = path.join(dir, 'logs-stdout.jsonl');
  const countDir = path.join(dir, 'log-counts');
  mkdirSync(countDir, { recursive: true });
  const shutdownTimeoutS = quick ? 2 : 5;
  const daemon = await startDaemon({
    dir,
    name: 'logs',
    manifest: {
      controller: { shutdown_timeout: shutdownTimeoutS },
      loops: loopsOf(LOOPS, loopModule('logs-fast'), { options: { countDir } }, 'logger'),
    },
    stdoutFile: file,
  });
  let stopped;
  let lines = 0;
  let ms = 0;
  let peakRssMiB = Number.NaN;
  try {
    const from = statSync(file).size;
    const t0 = nowMs();
    await sleep(windowMs);
    const to = statSync(file).size;
    ms = nowMs() - t0;
    peakRssMiB = statusKiB(daemon.pid, 'VmHWM') / 1024;
    lines = countNewlines(file, from, to);
  } finally {
    // The daemon's own deadline is shutdown_timeout + 5 s; a little more, then it is killed.
    stopped = await daemon.stop((shutdownTimeoutS + (quick ? 6 : 10)) * 1000);
  }
  const loops = await tally(file, Array.from({ length: LOOPS }, (_, i) => `logger${i}`));
  for (const [name, l] of loops) {
    const count = path.join(countDir, `${name}.count`);
    if (existsSync(count)) l.sent = Number(readFileSync(count, 'utf8'));
  }
  let lost = 0;
  let sentKnown = true;
  for (const l of loops.values()) {
    if (l.sent === undefined) sentKnown = false;
    lost += Math.max(0, (l.sent ?? l.maxSeq + 1) - l.received);
  }
  // Killed before the loops stopped, or a count never written (counted up to the last line
  // seen instead): lower bounds.
  const atLeast = stopped.killed || !sentKnown;
  const perSecond = (lines / ms) * 1000;
  log(
    `${Math.round(perSecond)} lines/s; lost ${atLeast ? '≥ ' : ''}${lost}${sentKnown ? '' : ' (some loop never wrote its count)'}; ` +
      `peak RSS ${peakRssMiB.toFixed(0)} MiB; ${stopped.killed ? 'killed' : `exit ${stopped.code}`} ${(stopped.ms / 1000).toFixed(1)} s after SIGTERM`,
  );
  const extra = {
    loops: Object.fromEntries(loops),
    exitCode: stopped.code,
    killed: stopped.killed,
    shutdownMs: stopped.ms,
    peakRssMiB,
    windowMs,
    sentKnown,
    lostAtLeast: atLeast,
  };
  return [
    info({
      scenario: id,
      metric: `9. log lines/s at the daemon’s stdout (${LOOPS} loops flooding)`,
      unit: 'lines/s',
      superloops: [perSecond],
      note: `${windowMs / 1000} s window; stdout to a file; peak RSS ${peakRssMiB.toFixed(0)} MiB; SIGTERM → ${stopped.killed ? 'killed' : `exit ${stopped.code}`} after ${(stopped.ms / 1000).toFixed(1)} s`,
      extra,
    }),
    info({
      scenario: id,
      metric: `9. log lines lost (sent − reached stdout)${atLeast ? ', at least' : ''}`,
      unit: 'lines',
      superloops: [lost],
      goal: { label: '0', max: 0 },
      note: stopped.killed
        ? `at least: the daemon had not exited ${((stopped.ms) / 1000).toFixed(0)} s after SIGTERM and was killed; counts are the loops' last written`
        : sentKnown
          ? 'each loop writes how many it sent when it stops'
          : 'a loop never wrote its count: lost counted up to the last line seen',
      extra,
    }),
  ];
}
