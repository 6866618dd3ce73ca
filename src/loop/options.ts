/** How a loop is supervised. Durations are milliseconds; the unit is in the name. */
export interface LoopOptions {
  /** How long a stop waits for the loop to end by itself before `worker.terminate()`. @default 5000 */
  gracePeriodMs: number;
  /** Failures allowed; one more exceeds the budget (the seed's `failures > max_loop_failures`). @default 10 */
  maxLoopFailures: number;
  /** Failures older than this no longer count. `undefined` = count forever, as the seed does. @default undefined */
  failureWindowMs: number | undefined;
  /** Stop the loop (and do not restart it) when it exceeds its failure budget. @default false */
  stopOnFailure: boolean;
  /** Take part in global resets: stopped and restarted as the next generation when the green light clears. @default true */
  resetGlobally: boolean;
  /** Watchdog: a cycle running longer counts as a failure and the generation is hard-reset. `undefined` = off. @default undefined */
  cycleTimeoutMs: number | undefined;
  /** The worker's JS heap limit (`resourceLimits.maxOldGenerationSizeMb`). `undefined` = Node's default. @default undefined */
  memoryLimitMb: number | undefined;
  /** What to do when the worker dies on its own: restart always, only after a failure exit, or never. @default 'always' */
  restart: RestartPolicy;
  /** First restart delay after a crash; doubles per consecutive crash (with ±20% jitter). @default 100 */
  restartDelayMs: number;
  /** The restart delay never grows past this. @default 30000 */
  maxRestartDelayMs: number;
  /** A generation that runs this long without crashing resets the restart backoff. @default 30000 */
  stableAfterMs: number;
}

export type RestartPolicy = 'always' | 'on-failure' | 'never';

export const defaultLoopOptions: Readonly<LoopOptions> = Object.freeze({
  gracePeriodMs: 5000,
  maxLoopFailures: 10,
  failureWindowMs: undefined,
  stopOnFailure: false,
  resetGlobally: true,
  cycleTimeoutMs: undefined,
  memoryLimitMb: undefined,
  restart: 'always',
  restartDelayMs: 100,
  maxRestartDelayMs: 30_000,
  stableAfterMs: 30_000,
});

/** What a loop is: its name, the module that holds its SuperLoop, the options passed to it, and how it is supervised. */
export interface LoopSpec extends Partial<LoopOptions> {
  /** Unique within a controller; the thread of generation N is `${name}_${N}`. */
  name: string;
  /** Path (absolute, or relative to the working directory) or `file:` URL of a `.ts`, `.mts`, `.js` or `.mjs` module whose default export is a SuperLoop subclass. */
  module: string | URL;
  /** Handed to the loop as `this.options`; must be structured-cloneable. */
  options?: unknown;
  /** Started by `controller.start()`. @default true */
  autostart?: boolean;
}

export function resolveLoopOptions(spec: Partial<LoopOptions>): LoopOptions {
  const out: LoopOptions = { ...defaultLoopOptions };
  for (const key of Object.keys(defaultLoopOptions) as (keyof LoopOptions)[]) {
    const value = spec[key];
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}
