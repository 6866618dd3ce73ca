import { readFileSync, readdirSync } from 'node:fs';

// What /proc says of the daemon (Linux). Read synchronously: each is one small file.

/** OS threads of the process: the main thread, Node's helpers, and one per live worker. */
export function threadCount(pid) {
  return readdirSync(`/proc/${pid}/task`).length;
}

/** Resident set size in bytes. */
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function isAlive(pid) {
  try {
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/** Pids whose parent is `pid` (the daemon's esbuild service, and anything a loop spawned). */
export function childPids(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The thread count once it has read the same 10 times in a row, 50 ms apart (workers that just ended are joined by then). */
export async function stableThreadCount(pid, { timeoutMs = 10_000 } = {}) {
  let last = -1;
  let same = 0;
  const deadline = performance.now() + timeoutMs;
  while (same < 10) {
    if (performance.now() > deadline) throw new Error(`the thread count of ${pid} did not settle within ${timeoutMs} ms`);
    const n = threadCount(pid);
    same = n === last ? same + 1 : 0;
    last = n;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}
