import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, ctl, Daemons, writeManifest } from './harness.js';

// `ctl reload` against the real daemon: what a successful reload changes, and
// that a rejected one changes nothing.

const daemons = new Daemons();
afterEach(() => daemons.stopAll());

interface LoopRow {
  name: string;
  state: string;
  generation: number;
  startedAt: number;
  resetGlobally: boolean;
  failures: number;
}

async function loops(socket: string): Promise<Record<string, LoopRow>> {
  const result = await ctl(socket, 'status', '--json');
  expect(result.code).toBe(0);
  const rows = (JSON.parse(result.stdout) as { controller: { loops: LoopRow[] } }).controller.loops;
  return Object.fromEntries(rows.map((l) => [l.name, l]));
}

/** A loop module that says which version of itself runs, and with which options. */
const says = (version: number): string => `import { SuperLoop } from 'superloops';
export default class SaysVersion extends SuperLoop<{ color?: string }> {
  override onThreadStart(): void {
    this.logger.info({ version: ${version}, color: this.options?.color }, 'says version');
  }
  async cycle(): Promise<void> {
    await this.sleep(10);
  }
}
`;

describe('ctl reload', () => {
  it('restarts a changed loop as a new loop with its new settings and a fresh copy of its module; controller changes are reported, not applied', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock, max_resets: 3 }
defaults: { grace_period: 1 }
loops:
  - { name: Keep, module: FIXTURES/counts-cycles.ts }
  - { name: Change, module: ./says-version.ts, reset_globally: true, options: { color: red } }
`);
    const module = path.join(m.dir, 'says-version.ts');
    writeFileSync(module, says(1));
    const daemon = daemons.start(m.file);
    await daemon.ready();
    // Nothing changed: no controllerIgnored either.
    expect(JSON.parse((await ctl(m.socket, 'reload', '--json')).stdout)).toEqual({ added: [], removed: [], changed: [], unchanged: ['Keep', 'Change'] });
    await daemon.waitForLine((l) => l.msg === 'says version' && l.version === 1 && l.color === 'red', 'version 1 to say so');
    expect((await ctl(m.socket, 'failure', 'Change')).code).toBe(0);
    const before = await loops(m.socket);
    expect(before.Change).toMatchObject({ resetGlobally: true, failures: 1, generation: 0 });

    writeFileSync(module, says(2));
    writeManifest(
      `
controller: { socket: ./superloops.sock, max_resets: 5 }
defaults: { grace_period: 1 }
loops:
  - { name: Keep, module: FIXTURES/counts-cycles.ts }
  - { name: Change, module: ./says-version.ts, reset_globally: false, options: { color: blue } }
`,
      m.dir,
    );
    const reload = await ctl(m.socket, 'reload');
    expect(reload.stderr).toBe('');
    expect(reload.code).toBe(0);
    expect(reload.stdout).toBe(
      'reloaded: added (none); removed (none); changed Change; unchanged Keep\ncontroller: settings changed in the manifest; they take effect when the daemon restarts\n',
    );
    const json = await ctl(m.socket, 'reload', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ added: [], removed: [], changed: [], unchanged: ['Keep', 'Change'], controllerIgnored: true });

    // The new module's code ran, with the new options.
    await daemon.waitForLine((l) => l.msg === 'says version' && l.version === 2 && l.color === 'blue', 'version 2 with the new options');
    const after = await loops(m.socket);
    // A new loop: its new settings, generation 0 again, its counters reset.
    expect(after.Change).toMatchObject({ state: 'running', resetGlobally: false, failures: 0, generation: 0 });
    expect(after.Change!.startedAt).toBeGreaterThan(before.Change!.startedAt);
    expect(after.Keep!.startedAt).toBe(before.Keep!.startedAt);
    // The last reload's line (written before its answer, read here from another pipe).
    await daemon.waitForLine((l) => l.msg === 'Reloaded' && l.controllerIgnored === true && (l.changed as string[]).length === 0, 'the second reload\'s line');
    const warned = daemon.lines.filter((l) => l.msg === 'Controller settings changed; they take effect when the daemon restarts');
    expect(warned).toHaveLength(2);
    expect(warned[0]).toMatchObject({ level: 40, reload: true });
    expect(daemon.lines.filter((l) => l.msg === 'Reloaded').map((l) => [l.changed, l.controllerIgnored])).toEqual([
      [[], undefined],
      [['Change'], true],
      [[], true],
    ]);
  });

  it('a loop whose new module does not load rejects the whole reload: exit 1 naming the file, and the old generation keeps running', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock }
defaults: { grace_period: 1 }
loops:
  - { name: Alpha, module: FIXTURES/counts-cycles.ts }
  - { name: Beta, module: FIXTURES/counts-cycles.ts }
`);
    const daemon = daemons.start(m.file);
    await daemon.ready();
    const before = await loops(m.socket);
    writeManifest(
      `
controller: { socket: ./superloops.sock }
defaults: { grace_period: 1 }
loops:
  - { name: Alpha, module: FIXTURES/no-superloop.ts }
  - { name: Beta, module: FIXTURES/counts-cycles.ts }
  - { name: Gamma, module: FIXTURES/throws-on-import.ts }
`,
      m.dir,
    );
    const firstLine = daemon.lines.length;
    const reload = await ctl(m.socket, 'reload');
    expect(reload.code).toBe(1);
    expect(reload.stderr).toMatch(/2 loop module problem\(s\); nothing was changed/);
    expect(reload.stderr).toMatch(/Alpha \(\S+\/no-superloop\.ts\): .*must be a class that extends SuperLoop/);
    // As validate does, each problem says where its module: is written in the new manifest.
    expect(reload.stderr).toContain(`${m.file}:`);
    expect(reload.stderr).toMatch(/:\d+:\d+ loops\[\d\]\.module: Alpha \(/);
    expect(reload.stderr).toMatch(/Gamma \(\S+\/throws-on-import\.ts\): .*this module cannot be imported/);
    expect(reload.stderr).toContain('(SL_ERR_MODULE_INVALID)');
    expect((await call(m.socket, 'POST', '/v1/reload')).status).toBe(422);

    const after = await loops(m.socket);
    expect(Object.keys(after)).toEqual(['Alpha', 'Beta']);
    for (const name of ['Alpha', 'Beta']) {
      expect(after[name]).toMatchObject({ state: 'running', generation: before[name]!.generation, startedAt: before[name]!.startedAt });
    }
    expect(daemon.lines.slice(firstLine).some((l) => l.msg === 'Stopping')).toBe(false);

    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitForLine((l) => l.msg === 'Reload rejected, nothing changed', 'the rejected SIGHUP reload');
    expect(refused).toMatchObject({ code: 'SL_ERR_MODULE_INVALID', problems: [{ loop: 'Alpha' }, { loop: 'Gamma' }] });
    expect(JSON.stringify(refused)).not.toMatch(/"stack"/);
  });

  it('a manifest moved away answers 422 SL_ERR_CONFIG_UNREADABLE naming the file, and nothing changes', async () => {
    const m = writeManifest(`
controller: { socket: ./superloops.sock }
loops:
  - { name: Alpha, module: FIXTURES/counts-cycles.ts, grace_period: 1 }
`);
    const daemon = daemons.start(m.file);
    await daemon.ready();
    const before = await loops(m.socket);
    renameSync(m.file, `${m.file}.moved`);

    const res = await call(m.socket, 'POST', '/v1/reload');
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('SL_ERR_CONFIG_UNREADABLE');
    expect(res.json.error.message).toBe(
      `cannot reread the manifest ${m.file}: it is gone (moved or deleted since the daemon read it); nothing was changed — put the file back at that path, then reload again`,
    );
    const reload = await ctl(m.socket, 'reload');
    expect(reload.code).toBe(1);
    expect(reload.stderr).toContain(m.file);
    expect(reload.stderr).not.toContain('relative path');

    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitForLine((l) => l.msg === 'Reload rejected, nothing changed', 'the rejected SIGHUP reload');
    expect(refused).toMatchObject({ code: 'SL_ERR_CONFIG_UNREADABLE', file: m.file, reason: res.json.error.message });
    expect(JSON.stringify(refused)).not.toMatch(/"stack"/);
    expect((await loops(m.socket)).Alpha).toMatchObject({ state: 'running', startedAt: before.Alpha!.startedAt });
  });
});
