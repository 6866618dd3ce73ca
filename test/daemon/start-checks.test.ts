import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonProcess, ctl, repoRoot, run, writeManifest } from './harness.js';

// `superloopsd start`'s checks at the door, before anything starts, and its --pretty output.

const oneLoop = `
controller: { socket: ./superloops.sock }
loops:
  - { name: Alpha, module: FIXTURES/counts-cycles.ts, grace_period: 1 }
`;

describe('--version', () => {
  it("both programs print the package's version and exit 0; the ready line carries it too", async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const bin of ['superloopsd', 'superloops'] as const) {
      expect(await run(bin, ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
    const m = writeManifest(oneLoop);
    const daemon = new DaemonProcess(['start', m.file]);
    try {
      expect((await daemon.ready()).version).toBe(version);
    } finally {
      await daemon.stop();
    }
  });
});

describe('superloopsd start: arguments', () => {
  it.each(['abc', '127.0.0.1:99999'])('--http %s is a usage error: exit 2, and stderr names the option and the fix', async (value) => {
    const m = writeManifest(oneLoop);
    const result = await run('superloopsd', ['start', m.file, '--http', value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: option '--http <host:port>' argument '${value}' is invalid. expected host:port, e.g. 127.0.0.1:9464`);
    expect(existsSync(m.socket)).toBe(false);
  });
});

describe('superloopsd start: the socket path', () => {
  it('controller.socket in a missing directory: validate notes it at its key, start refuses with file:line:col', async () => {
    const m = writeManifest(oneLoop.replace('./superloops.sock', './nodir/x.sock'));
    const validate = await run('superloopsd', ['validate', m.file]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain(`${m.file}:2:23 note: controller.socket: its directory ${path.join(m.dir, 'nodir')} does not exist`);
    const start = await run('superloopsd', ['start', m.file]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`${m.file}:2:23 controller.socket: its directory ${path.join(m.dir, 'nodir')} does not exist; create it`);
    expect(start.stderr).not.toMatch(/EACCES|ENOENT|\n\s+at /);
  });

  it('controller.socket from ${VAR} in a missing directory: start refuses at its key without showing the path', async () => {
    const m = writeManifest(oneLoop.replace('./superloops.sock', '"${SOCKET_PATH}"'));
    const secret = path.join(m.dir, 'hidden-nodir', 'x.sock');
    const start = await run('superloopsd', ['start', m.file], { SOCKET_PATH: secret });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`${m.file}:2:23 controller.socket: the socket path from the environment is in a directory that does not exist or cannot be reached`);
    expect(start.stderr).not.toContain('hidden-nodir');
  });

  it('--socket in a missing directory names the flag; the manifest socket is not used', async () => {
    const m = writeManifest(oneLoop);
    const missing = path.join(m.dir, 'nodir', 'x.sock');
    const start = await run('superloopsd', ['start', m.file, '--socket', missing]);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(
      `superloopsd: --socket ${missing}: its directory ${path.dirname(missing)} does not exist; create it, or choose a socket path in an existing directory; fix --socket or leave it unset to use the manifest's controller.socket\n`,
    );
    expect(existsSync(m.socket)).toBe(false);
  });

  it('SUPERLOOPS_SOCKET too long for a Unix socket names the variable', async () => {
    const m = writeManifest(oneLoop);
    const long = path.join(mkdtempSync(path.join(tmpdir(), 'sl-')), `${'x'.repeat(120)}.sock`);
    const start = await run('superloopsd', ['start', m.file], { SUPERLOOPS_SOCKET: long });
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/^superloopsd: SUPERLOOPS_SOCKET \S+: a socket path of \d+ bytes; this system allows at most 10[37]; fix SUPERLOOPS_SOCKET/);
    expect(existsSync(m.socket)).toBe(false);
  });
});

// chown to another group needs root (or membership): CI and these machines run as root.
describe.runIf(process.getuid?.() === 0)('superloopsd start: controller.socket_group', () => {
  it('gives the socket file to that group with mode 0660; ctl still works', async () => {
    const m = writeManifest(oneLoop.replace('socket: ./superloops.sock', 'socket: ./superloops.sock, socket_group: daemon'));
    const daemon = new DaemonProcess(['start', m.file]);
    try {
      await daemon.ready();
      const stats = statSync(m.socket);
      expect([stats.gid, stats.mode & 0o777]).toEqual([1, 0o660]); // `daemon` is gid 1 on Debian
      expect((await ctl(m.socket, 'status')).code).toBe(0);
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }
  });

  it('an unknown group stops the start before anything listens, naming the group and the fix', async () => {
    const m = writeManifest(oneLoop.replace('socket: ./superloops.sock', 'socket: ./superloops.sock, socket_group: no-such-group'));
    const start = await run('superloopsd', ['start', m.file]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('controller.socket_group: no group named "no-such-group" in /etc/group; create it (groupadd no-such-group)');
    expect(start.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(m.socket)).toBe(false);
  });
});

describe('superloopsd start --pretty', () => {
  it('prints human lines, not JSON, and says Daemon ready', async () => {
    const m = writeManifest(oneLoop);
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/superloopsd.js'), 'start', m.file, '--pretty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    let stdout = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after 15000 ms waiting for Daemon ready; stdout: ${stdout}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Daemon ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`exited before Daemon ready; stdout: ${stdout}`)));
    });
    try {
      await ready;
      // A reset, to see how its lines read: ctl returns once it is complete, so its lines are written.
      expect((await ctl(m.socket, 'reset')).code).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    // The reset's lines say which reset; a loop's say which thread.
    expect(lines.some((l) => /INFO.*: Stopping loops \[reset [0-9a-f]{8}\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /INFO.*: Alpha_0 Stopping \[reset [0-9a-f]{8}\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /INFO.*: Alpha_1 Started \[reset [0-9a-f]{8}\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /INFO.*: Control command$/.test(l))).toBe(true); // about no loop: nothing after the message
    // `[18:02:03.123] INFO: Alpha_0 Started`: a time, a level word, the thread and the message.
    expect(lines.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: Alpha_0 Started/.test(l))).toBe(true);
    expect(lines.some((l) => /^\[[\d:.]+\] INFO.*: Daemon ready/.test(l))).toBe(true);
    expect(lines.some((l) => /^\[[\d:.]+\] INFO.*: Stopped/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  });
});
