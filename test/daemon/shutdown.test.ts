import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { call, ctl, Daemons, writeManifest } from './harness.js';

// The order of a shutdown, against the real daemon: the control socket stays
// open (and says `stopping`) until every loop has stopped, and `ctl shutdown`
// returns only then.

const daemons = new Daemons();
afterEach(() => daemons.stopAll());

/** A loop that ignores stop requests: it is terminated at the end of its grace period. */
const stuck = `
controller: { socket: ./superloops.sock, shutdown_timeout: 20s }
loops:
  - { name: Stuck, module: FIXTURES/ignores-stop.ts, grace_period: 4s }
`;

describe('shutdown', () => {
  it('ctl shutdown returns once the loops are stopped; meanwhile status says stopping, commands get 409 and a second daemon is refused', async () => {
    const m = writeManifest(stuck);
    const daemon = daemons.start(m.file);
    await daemon.ready();
    await daemon.waitForLine((l) => l.loop === 'Stuck' && l.msg === 'Started', 'Stuck to start');

    const shutdown = ctl(m.socket, 'shutdown').then((r) => ({ ...r, returnedAt: Date.now() }));
    await daemon.waitForLine((l) => l.msg === 'Stopping' && l.loop === 'Stuck', 'the stop to begin');

    // Within the 4 s grace period, while the old worker still runs (a `stopping` answer proves it).
    const second = daemons.start(m.file);
    const [json, table, restart, direct] = await Promise.all([
      ctl(m.socket, 'status', '--json'),
      ctl(m.socket, 'status'),
      ctl(m.socket, 'restart', 'Stuck'),
      call(m.socket, 'POST', '/v1/reload'),
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).daemon.state).toBe('stopping');
    expect(table.stdout.split('\n')[0]).toContain(', STOPPING,');
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain('(SL_ERR_CONTROLLER_STOPPED)');
    expect(direct.status).toBe(409);
    expect(direct.json.error.code).toBe('SL_ERR_CONTROLLER_STOPPED');
    // Two copies of the loop never run: the socket is still held, so the second daemon gives up.
    await expect(second.ready()).rejects.toThrow(/daemon exited \(1\) before the ready line/);
    expect(second.stderr).toContain(`another daemon is listening on ${m.socket}`);
    expect(daemon.lines.some((l) => l.msg === 'Terminated'), 'the second daemon was refused before the loop was terminated').toBe(false);

    const done = await shutdown;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('daemon stopped: 1 loop, 0 graceful, 1 terminated\n');
    // The worker was gone and the last line written before ctl returned.
    const terminated = await daemon.waitForLine((l) => l.loop === 'Stuck' && l.msg === 'Terminated', 'the Terminated line');
    const stopped = await daemon.waitForLine((l) => l.msg === 'Stopped', 'the Stopped line');
    expect(Date.parse(terminated.time as string)).toBeLessThanOrEqual(done.returnedAt);
    expect(Date.parse(stopped.time as string)).toBeLessThanOrEqual(done.returnedAt);
    expect(stopped).toMatchObject({ loops: 1, graceful: 0, terminated: 1, timedOut: false, exitCode: 0 });
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.lines.at(-1)?.msg).toBe('Stopped');
    expect(existsSync(m.socket)).toBe(false);
  });

  it('ctl shutdown --no-wait returns as soon as the shutdown has begun', async () => {
    const m = writeManifest(stuck);
    const daemon = daemons.start(m.file);
    await daemon.ready();
    const done = await ctl(m.socket, 'shutdown', '--no-wait');
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('daemon is shutting down\n');
    // It came back before the 4 s grace period was over.
    expect(daemon.lines.some((l) => l.msg === 'Stopped')).toBe(false);
    expect((await daemon.exited).code).toBe(0);
  });
});
