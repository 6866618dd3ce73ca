/**
 * Figure 1: `superloops ctl status`, the whole process, against `node -e ''`.
 * The daemon runs two idle loops; each round times the CLI and the bare node
 * start, paired. What is left above the floor is the CLI's own code (commander,
 * the socket client, formatting) and the daemon's answer.
 */
import { startDaemon } from '../lib/daemon.mjs';
import { loopsOf } from '../lib/manifest.mjs';
import { CLI_BIN, loopModule } from '../lib/paths.mjs';
import { paired } from '../lib/paired.mjs';
import { compared } from '../lib/row.mjs';
import { timeNode, timeNodeStartup } from '../lib/time-process.mjs';
import { median } from '../lib/stats.mjs';

export const id = 'ctl';
export const title = 'ctl status round trip';

/** @param {{ quick: boolean, dir: string, log: (m: string) => void }} ctx */
export async function run({ quick, dir, log }) {
  const daemon = await startDaemon({ dir, name: 'ctl', manifest: { loops: loopsOf(2, loopModule('sleeps')) } });
  try {
    const { stdout } = await timeNode([CLI_BIN, 'ctl', 'status', '--socket', daemon.socket]);
    if (!stdout.includes('loop1')) throw new Error(`bench: ctl status did not list the loops: ${stdout}`);
    const result = await paired({
      rounds: quick ? 1 : 30,
      warmup: quick ? 0 : 2,
      a: async () => (await timeNode([CLI_BIN, 'ctl', 'status', '--socket', daemon.socket])).ms,
      b: () => timeNodeStartup(),
    });
    log(`ctl status ${median(result.a).toFixed(0)} ms, node -e '' ${median(result.b).toFixed(0)} ms`);
    return [
      compared({
        scenario: id,
        metric: '1. `ctl status` round trip',
        unit: 'ms',
        superloops: result.a,
        floor: result.b,
        goal: { max: 1.3 },
        note: "floor: `node -e ''`",
      }),
    ];
  } finally {
    await daemon.stop();
  }
}
