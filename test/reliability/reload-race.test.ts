import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, DaemonProcess, tempDir, writeManifest } from './daemon-process.js';

// A loop never has two generations alive, even when a control command races
// the reload that replaces it (found by the chaos soak's reload race probes).

const ANNOUNCES_HANG = fileURLToPath(new URL('./fixtures/announces-hang.ts', import.meta.url));
const END_LINES = ['Exited gracefully', 'Terminated', 'Worker died'];

afterEach(cleanup);

describe('reload', () => {
  it.each(['start', 'restart', 'hard-reset'])('a %s that arrives while the reload removes the loop does not bring the removed loop back', async (action) => {
    const dir = tempDir();
    const loop = (v: number): object => ({ loops: [{ name: 'X', module: ANNOUNCES_HANG, grace_period: '1s', options: { v } }] });
    const manifest = writeManifest(dir, loop(1));
    const daemon = await DaemonProcess.start({ manifest, socket: path.join(dir, 'ctl.sock') });
    await daemon.waitForLine((r) => r.loop === 'X' && r.msg === 'hanging', { what: 'X to be in its first cycle' });

    writeManifest(dir, loop(2));
    const reload = daemon.request('POST', '/v1/reload');
    // The reload is now waiting out X's grace period; the command lands inside it.
    await daemon.waitForLine((r) => r.loop === 'X' && r.msg === 'Stopping', { what: 'the reload to stop X' });
    const racing = await daemon.request('POST', `/v1/loops/X/${action}`);
    expect((await reload).body.result).toMatchObject({ changed: ['X'] });
    await daemon.waitForLine((r) => r.msg === 'Reloaded', { what: 'the reload to finish' });
    expect([200, 404]).toContain(racing.status);

    daemon.signal('SIGTERM');
    expect((await daemon.exitWithin(5000, 'exit after SIGTERM')).code).toBe(0);
    await daemon.drained;
    // Walking the log in order, X never has two generations alive (a fix may refuse the racing command, or
    // apply it to the new Loop: both keep this), and every generation that started ended before "Stopped".
    let alive = 0;
    let most = 0;
    for (const r of daemon.records.filter((r) => r.loop === 'X')) {
      if (r.msg === 'Started') most = Math.max(most, ++alive);
      else if (END_LINES.includes(r.msg!)) alive--;
    }
    expect(most, 'generations of X alive at once').toBe(1);
    expect(alive, 'generations of X never ended').toBe(0);
  });
});
