import { childPids, isAlive } from './proc.mjs';

/** Shutdown must end within the longest grace period plus this: loops stop in parallel, and terminate() takes ~10 ms. */
export const SHUTDOWN_SLACK_MS = 3000;

/**
 * SIGTERM with loops running (and faulting): exit 0 within the longest grace
 * period plus slack, "Stopped" as the last line with the right counts, and
 * nothing left behind — no process of the daemon's (its esbuild service) and,
 * per the ledger, no generation that never ended. Returns the figures.
 */
export async function shutdown({ daemon, status, maxGraceMs, shutdownTimeoutMs, breach, onSignal }) {
  const children = childPids(daemon.pid);
  onSignal();
  const sent = performance.now();
  daemon.signal('SIGTERM');
  const giveUpMs = shutdownTimeoutMs + 10_000;
  const exit = await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, giveUpMs, undefined))]);
  if (exit === undefined) {
    breach('shutdown', `no exit ${giveUpMs / 1000} s after SIGTERM`);
    return undefined;
  }
  const ms = exit.at - sent;
  await daemon.drained;
  const last = daemon.lastLine?.record;
  const result = {
    code: exit.code,
    signal: exit.signal,
    ms,
    maxGraceMs,
    shutdownTimeoutMs,
    lastLine: last?.msg ?? daemon.lastLine?.text?.slice(0, 100),
    stopped: last?.msg === 'Stopped' ? { loops: last.loops, graceful: last.graceful, terminated: last.terminated, timedOut: last.timedOut, exitCode: last.exitCode } : undefined,
    alive: status?.controller.loops.filter((l) => l.alive).length,
    childrenLeft: 0,
  };
  if (exit.code !== 0) breach('shutdown', `SIGTERM → exit code ${exit.code} (signal ${exit.signal}), expected 0`);
  if (ms > maxGraceMs + SHUTDOWN_SLACK_MS) breach('shutdown', `SIGTERM → exit took ${Math.round(ms)} ms; the longest grace period is ${maxGraceMs} ms`);
  if (last?.msg !== 'Stopped') breach('shutdown', `the last line is not "Stopped": ${daemon.lastLine?.text?.slice(0, 300)}`);
  else {
    if (last.timedOut !== false || last.exitCode !== 0) breach('shutdown', `Stopped says timedOut ${last.timedOut}, exitCode ${last.exitCode}`);
    if (last.loops !== status?.controller.loops.length) breach('shutdown', `Stopped counts ${last.loops} loops, status had ${status?.controller.loops.length}`);
  }
  // The esbuild service and anything else the daemon started must go with it.
  const deadline = performance.now() + 5000;
  let left = children.filter(isAlive);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(isAlive);
  }
  result.childrenLeft = left.length;
  if (left.length > 0) breach('shutdown', `child processes ${left.join(', ')} outlived the daemon`);
  if (isAlive(daemon.pid)) breach('shutdown', 'the daemon process is still there after its exit event');
  return result;
}
