/**
 * Figure 2: `superloops ctl hard-reset NAME` end to end (the CLI returns once
 * the new generation has started cycling), for an idle loop (its cycle sleeps
 * 1 s) and, with --force, for a loop stuck in `while (true) {}`.
 *
 * Floor: what any CLI + daemon must spend: `node -e ''` (the CLI process), then
 * terminate a bare worker and spawn a new one up to its first message (the
 * daemon's part), timed as one span in the bench process. Both rows use the
 * same floor, as the goal says; for the stuck loop the floor is measured while
 * the daemon's stuck worker spins, so both sides see the same busy core.
 */
import { startDaemon } from '../lib/daemon.mjs';
import { CLI_BIN, loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { median } from '../lib/stats.mjs';
import { timeNode } from '../lib/time-process.mjs';
import { nodeThenReplace, spawnBare } from '../floors/spawn.mjs';

export const id = 'hard-reset';
export const title = 'ctl hard-reset end to end';

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const rounds = quick ? 1 : 15;
  const warmup = quick ? 0 : 2;
  const holder = { worker: (await spawnBare()).worker };
  const rows = [];
  try {
    for (const { name, loop, module, force } of [
      { name: 'hard-reset-idle', loop: 'idle', module: 'sleeps', force: false },
      { name: 'hard-reset-stuck', loop: 'stuck', module: 'spins', force: true },
    ]) {
      const daemon = await startDaemon({ dir, name, manifest: { loops: [{ name: loop, module: loopModule(module) }] } });
      const args = [CLI_BIN, 'ctl', 'hard-reset', loop, ...(force ? ['--force'] : []), '--socket', daemon.socket];
      try {
        const result = await paired({
          rounds,
          warmup,
          a: async () => {
            const { ms, stdout } = await timeNode(args);
            if (!stdout.includes('hard reset, now generation')) throw new Error(`bench: unexpected hard-reset answer: ${stdout}`);
            return ms;
          },
          b: () => nodeThenReplace(holder),
        });
        log(`hard-reset ${loop}${force ? ' --force' : ''} ${median(result.a).toFixed(0)} ms, floor ${median(result.b).toFixed(0)} ms`);
        rows.push(
          compared({
            scenario: id,
            metric: force ? '2. `ctl hard-reset --force`, loop stuck in `while (true) {}`' : '2. `ctl hard-reset`, idle loop (cycle sleeps 1 s)',
            unit: 'ms',
            superloops: result.a,
            floor: result.b,
            goal: { max: 1.3 },
            note: "floor: `node -e ''` + terminate + bare worker spawn → first message",
          }),
        );
      } finally {
        await daemon.stop();
      }
    }
  } finally {
    await holder.worker.terminate();
  }
  return rows;
}
