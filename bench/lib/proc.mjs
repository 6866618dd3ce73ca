/**
 * What Linux says about a process: CPU time and resident memory, read from
 * /proc, never from inside the process (the daemon under test runs unchanged).
 */
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux the bench runs on). */
export const CLK_TCK = 100;

/**
 * CPU time of every live thread of `pid`, in nanoseconds, from
 * /proc/<pid>/task/<tid>/schedstat (first field: time on a CPU). Nanosecond
 * resolution, where utime+stime count 10 ms ticks: an idle daemon uses about
 * one tick in 10 s, so ticks alone cannot tell 0.05 % from 0.15 %. Threads that
 * exit drop out of the sum, which is why this is read over idle windows only.
 * @param {number} pid
 */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** utime + stime of the whole process (dead threads included), in ticks of 1/CLK_TCK s. @param {number} pid */
export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime (14th), stime (15th)
}

/** A field of /proc/<pid>/status in KiB: VmRSS (resident now) or VmHWM (peak). @param {number} pid */
export function statusKiB(pid, field = 'VmRSS') {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`bench: no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Child processes of `pid`, and theirs (the daemon's esbuild service, for one). @param {number} pid @returns {number[]} */
export function descendants(pid) {
  const out = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean).map(Number)) out.push(child, ...descendants(child));
  }
  return out;
}

/** The command line of a process, for reports. @param {number} pid */
export function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
