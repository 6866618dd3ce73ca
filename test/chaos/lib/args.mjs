/** Command-line options of the soak. Durations take the manifest's forms: 90, 90s, 250ms, 10m. */
export const DEFAULTS = {
  duration: '10m',
  loops: 20,
  seed: 42,
  /** Driver commands in flight at once (a reload always runs alone). */
  concurrency: 2,
  /** Mean pause between two driver commands. */
  commandGap: '600ms',
  /** Breach when the daemon's RSS grows faster than this after warm-up, significantly (MiB/min); see docs/reliability.md. */
  rssSlopeLimit: 8,
  /** The same for the main thread's JS heap (from /metrics), whose noise is a tenth of RSS's. */
  heapSlopeLimit: 1,
  /**
   * Breach when the idle RSS (every loop stopped) grew by more than
   * idleRssAllowance (MiB) plus this much per generation started (KiB): a gate
   * that a 60 s run can apply, where the slopes need minutes. The allowance is
   * the allocator keeping arenas at their high-water mark (seen: up to 48 MiB
   * over 10 minutes, 9 MiB in 60 s); a worker that is never freed costs ~8 MiB.
   */
  idleRssPerGenerationLimit: 64,
  idleRssAllowance: 64,
  /** Stop at the first breach (the default), or carry on and list them all. */
  keepGoing: false,
  /** Keep the work directory (manifest, full daemon log) even when the soak passes. */
  keep: false,
  /** Write the report as JSON here too. */
  json: undefined,
  /** Also fire commands at the calm loop while a reload removes it. */
  reloadRace: true,
};

export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new Error(`${text} is not a duration; write e.g. 60s, 10m or 250ms`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']);
}

const usage = `usage: node test/chaos/soak.mjs [--duration 10m] [--loops 20] [--seed 42] [--concurrency 2]
       [--command-gap 600ms] [--rss-slope-limit 8] [--heap-slope-limit 1] [--idle-rss-allowance 64] [--idle-rss-per-generation-limit 64]
       [--keep-going] [--keep] [--json report.json] [--no-reload-race]`;

export function parseArgs(argv) {
  const out = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      return v;
    };
    switch (arg) {
      case '--duration': out.duration = value(); break;
      case '--loops': out.loops = Number(value()); break;
      case '--seed': out.seed = Number(value()); break;
      case '--concurrency': out.concurrency = Number(value()); break;
      case '--command-gap': out.commandGap = value(); break;
      case '--rss-slope-limit': out.rssSlopeLimit = Number(value()); break;
      case '--heap-slope-limit': out.heapSlopeLimit = Number(value()); break;
      case '--idle-rss-per-generation-limit': out.idleRssPerGenerationLimit = Number(value()); break;
      case '--idle-rss-allowance': out.idleRssAllowance = Number(value()); break;
      case '--keep-going': out.keepGoing = true; break;
      case '--keep': out.keep = true; break;
      case '--json': out.json = value(); break;
      case '--no-reload-race': out.reloadRace = false; break;
      case '-h':
      case '--help':
        console.log(usage);
        process.exit(0);
      default:
        throw new Error(`unknown option ${arg}\n${usage}`);
    }
  }
  out.durationMs = parseDuration(out.duration);
  out.commandGapMs = parseDuration(out.commandGap);
  for (const key of ['loops', 'seed', 'concurrency', 'rssSlopeLimit', 'heapSlopeLimit', 'idleRssPerGenerationLimit', 'idleRssAllowance']) {
    if (!Number.isFinite(out[key]) || out[key] < 0) throw new Error(`--${key} must be a number >= 0\n${usage}`);
  }
  if (out.loops < 1) throw new Error(`--loops must be at least 1\n${usage}`);
  return out;
}
