/**
 * The examples of loops/ and config/ run as a newcomer runs them: the embedded
 * green-light program as a child process, and the daemon on the example
 * manifest, driven with `ctl` and stopped with SIGTERM.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ctl, DaemonProcess, repoRoot } from '../daemon/harness.js';

const execFileAsync = promisify(execFile);

describe('the examples', () => {
  it('green-light.mjs: BadLoop trips the green light, both loops restart as generation 1, the program exits 0', async () => {
    const { stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, 'loops/green-light.mjs')], {
      cwd: repoRoot,
      timeout: 20_000,
    });
    // The controller's own log lines (JSON) are on stdout too; the program's lines are the rest.
    const lines = stdout.trim().split('\n').filter((line) => !line.startsWith('{'));
    expect(lines[0]).toBe('green light cleared by BadLoop');
    expect(lines[1]).toMatch(/^reset [0-9a-f]{8}: both loops are down$/);
    expect(lines).toContain('green light set');
    expect(lines).toContain('restarted GoodLoop and BadLoop: GoodLoop_1, BadLoop_1');
  });

  it('config/config.yaml: every example loop starts, ctl status and hard-reset work, SIGTERM runs the events hooks and exits 0', async () => {
    const socket = path.join(mkdtempSync(path.join(tmpdir(), 'sl-example-')), 'superloops.sock');
    const daemon = new DaemonProcess(['start', path.join(repoRoot, 'config/config.yaml'), '--socket', socket]);
    try {
      await daemon.ready();
      const status = await ctl(socket, 'status', '--json');
      expect(status.code).toBe(0);
      const { loops } = (JSON.parse(status.stdout) as { controller: { loops: { name: string; state: string }[] } }).controller;
      expect(loops.map((l) => [l.name, l.state])).toEqual([
        ['ProcessLoop', 'running'],
        ['EventsLoop', 'running'],
        ['ApiFeedLoop', 'running'],
        ['GoodLoop', 'running'],
        ['BadLoop', 'running'],
      ]);

      const reset = await ctl(socket, 'hard-reset', 'ApiFeedLoop');
      expect(reset.code).toBe(0);
      await daemon.waitForLine((l) => l.msg === 'Started' && l.thread === 'ApiFeedLoop_1', 'ApiFeedLoop_1 Started');
    } finally {
      const { code } = await daemon.stop();
      expect(code).toBe(0);
    }
    // The seed's events example: every hook says which thread it ran on, and none ran on the main thread.
    const hooks = daemon.lines.filter((l) => l.loop === 'EventsLoop' && typeof l.hook === 'string');
    const order = hooks.filter((l) => l.generation === hooks.at(-1)!.generation).map((l) => l.hook);
    expect(order).toEqual(['onStart', 'onThreadStart', 'onStop', 'onThreadStop']);
    expect(hooks.every((l) => l.isMainThread === false && l.threadName === l.thread)).toBe(true);
    expect(daemon.lines.at(-1)?.msg).toBe('Stopped');
  });
});
