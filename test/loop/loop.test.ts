import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Loop } from 'superloops';
import { fixture, nextEvent, waitFor } from '../helpers.js';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

const hooks = (thread?: string): string[] =>
  under.lines.filter((l) => l.msg === 'hook' && (thread === undefined || l.thread === thread)).map((l) => l.hook as string);

describe('Loop start and stop', () => {
  it('runs the hooks in order in the worker, passing start and stop arguments', async () => {
    const loop = newLoop({ name: 'Events', fixture: 'reports-lifecycle' });
    const started = await loop.start('a', 1);
    expect(started).toEqual({ started: true, generation: 0 });
    expect(loop.state).toBe('running');
    expect(loop.threadName).toBe('Events_0');
    const stopped = await loop.stop('bye');
    expect(stopped).toEqual({ graceful: true, wasAlive: true });
    expect(loop.isAlive).toBe(false);
    expect(hooks('Events_0')).toEqual(['onStart', 'onThreadStart', 'onStop', 'onThreadStop']);
    const onStart = under.lines.find((l) => l.hook === 'onStart')!;
    expect(onStart.args).toEqual(['a', 1]);
    expect(under.lines.find((l) => l.hook === 'onStop')!.args).toEqual(['bye']);
    // Hooks ran on the loop's worker thread, not the main thread (threadId 0).
    expect(onStart.threadId).not.toBe(0);
    expect(onStart).toMatchObject({ loop: 'Events', thread: 'Events_0', generation: 0 });
  });

  it('starting twice runs onStart once', async () => {
    const loop = newLoop({ name: 'Twice', fixture: 'reports-lifecycle' });
    const [first, second] = await Promise.all([loop.start(), loop.start()]);
    expect(first.started).toBe(true);
    expect(second).toMatchObject({ started: true, reason: 'already-running' });
    expect(hooks().filter((h) => h === 'onStart')).toHaveLength(1);
  });

  it('onStart returning false vetoes the start: not running, no thread', async () => {
    const loop = newLoop({ name: 'Veto', fixture: 'vetoes-start' });
    const result = await loop.start();
    expect(result).toMatchObject({ started: false, reason: 'vetoed' });
    expect(loop.running).toBe(false);
    expect(loop.isAlive).toBe(false);
    expect(loop.state).toBe('stopped');
  });

  it('a loop can stop itself from inside; it is not restarted', async () => {
    const loop = newLoop({ name: 'Self', fixture: 'stops-itself' });
    const stopped = nextEvent<{ reason: string; graceful: boolean }>(loop, 'stopped');
    await loop.start();
    expect(await stopped).toMatchObject({ reason: 'self', graceful: true });
    expect(loop.running).toBe(false);
    expect(loop.isAlive).toBe(false);
    expect(under.lines.some((l) => l.msg === 'stopped itself')).toBe(true);
  });

  it('stops a cycle stuck in synchronous while (true) {} within the grace period plus a small bound', async () => {
    const loop = newLoop({ name: 'Busy', fixture: 'busy-forever', gracePeriodMs: 200 });
    await loop.start();
    await waitFor(() => loop.currentCycleMs !== undefined, { what: 'the first cycle to begin' });
    const began = performance.now();
    const result = await loop.stop();
    const tookMs = performance.now() - began;
    expect(result).toEqual({ graceful: false, wasAlive: true });
    expect(loop.isAlive).toBe(false);
    expect(tookMs).toBeLessThan(200 + 2000);
    expect(under.lines.some((l) => l.msg === 'Grace period over, terminating')).toBe(true);
  });

  it('terminates a loop that awaits forever and ignores stop', async () => {
    const loop = newLoop({ name: 'Ignores', fixture: 'ignores-stop', gracePeriodMs: 100 });
    await loop.start();
    await waitFor(() => loop.currentCycleMs !== undefined, { what: 'the first cycle to begin' });
    expect(await loop.stop()).toEqual({ graceful: false, wasAlive: true });
  });
});

describe('Loop module loading', () => {
  it('a module that throws on import fails to load, naming the file; nothing else is affected', async () => {
    const loop = newLoop({ name: 'Broken', fixture: 'throws-on-import' });
    const other = under.controller.newLoop({ name: 'Fine', module: fixture('counts-cycles') });
    await other.start();
    const result = await loop.start();
    expect(result).toMatchObject({ started: false, reason: 'load-error' });
    expect(result.error?.message).toContain('this module cannot be imported');
    expect(loop.state).toBe('failed');
    expect(other.state).toBe('running');
  });

  it('a module without a SuperLoop default export is refused with what to do', async () => {
    const loop = newLoop({ name: 'NotALoop', fixture: 'no-superloop' });
    const result = await loop.start();
    expect(result.reason).toBe('load-error');
    expect(result.error?.message).toMatch(/no-superloop\.ts .*must be a class that extends SuperLoop/);
  });

  it('a missing module file is refused with SL_ERR_MODULE_INVALID', async () => {
    const loop = newLoop({ name: 'Missing', fixture: 'does-not-exist' });
    const result = await loop.start();
    expect(result).toMatchObject({ started: false, reason: 'load-error', error: { code: 'SL_ERR_MODULE_INVALID' } });
  });
});

describe('The cycle driver', () => {
  it('an async cycle that never lets the event loop turn still gets its timers and its abort signal', async () => {
    const loop = newLoop({ name: 'Busy', fixture: 'busy-async-cycles', gracePeriodMs: 2000 });
    await loop.start();
    await waitFor(() => under.lines.some((l) => l.msg === 'Tick'), { what: "the loop's own interval to tick three times" });
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: true });
    const at = (msg: string) => under.lines.findIndex((l) => l.msg === msg && l.loop === 'Busy');
    expect(at('Aborted')).toBeGreaterThan(-1);
    expect(at('Aborted')).toBeLessThan(at('Exited gracefully'));
  });

  it('a stop in the middle of a batch of fast cycles loses none of them from the count', async () => {
    const loop = newLoop({ name: 'Counted', fixture: 'counts-own-cycles' });
    // Five generations: where in a batch the stop lands is chance, so one stop might land at a batch's end.
    for (let generation = 0; generation < 5; generation++) {
      const before = loop.cycles;
      await loop.start();
      await waitFor(() => loop.cycles > before + 10_000, { what: 'ten thousand cycles' });
      await loop.stop();
    }
    const own = under.lines.filter((l) => l.msg === 'Own count');
    expect(own).toHaveLength(5);
    expect(loop.cycles).toBe(own.reduce((sum, l) => sum + (l.cycles as number), 0));
  });
});

describe('Loop failures', () => {
  it('a throwing cycle counts as a failure and the loop goes on cycling', async () => {
    const loop = newLoop({ name: 'Throws', fixture: 'throws-in-cycle', maxLoopFailures: 1000 });
    await loop.start();
    await waitFor(() => loop.failuresByKind['cycle-error'] >= 3, { what: 'three cycle errors' });
    expect(loop.state).toBe('running');
    expect(loop.generation).toBe(0);
    const failure = under.lines.find((l) => l.msg === 'Failure')!;
    expect(failure).toMatchObject({ kind: 'cycle-error', loop: 'Throws' });
    expect((failure.err as { message: string }).message).toBe('cycle failed on purpose');
    // Source maps: the stack names the line of the .ts file, not of the compiled bundle.
    expect((failure.err as { stack: string }).stack).toMatch(/throws-in-cycle\.ts:7:\d+/);
  });

  it('a cycle that fails at once every time backs off instead of flooding the supervisor', async () => {
    const loop = newLoop({ name: 'Flood', fixture: 'throws-at-once', maxLoopFailures: 1_000_000 });
    await loop.start();
    await waitFor(() => loop.failuresByKind['cycle-error'] >= 8, { what: 'eight failed cycles' });
    // Paused 1, 2, 4 … 128 ms between failures: between seeing the 8th and the stop
    // (which cuts the pause short) only a few more fit; without the pause, thousands would.
    const at = loop.failuresByKind['cycle-error'];
    await loop.stop();
    expect(loop.failuresByKind['cycle-error']).toBeLessThan(at + 5);
    expect(loop.cycles).toBe(loop.failuresByKind['cycle-error']);
  });

  it('the pause after a failed cycle is not cycle time: a watchdog shorter than the pause never fires', async () => {
    const loop = newLoop({ name: 'Paused', fixture: 'throws-at-once', maxLoopFailures: 1_000_000, cycleTimeoutMs: 150 });
    await loop.start();
    // Pauses 1, 2, 4 … 512 ms: the last three are longer than the 150 ms timeout.
    await waitFor(() => loop.failuresByKind['cycle-error'] >= 11, { what: 'eleven failed cycles', timeoutMs: 15_000 });
    expect(loop.failuresByKind.watchdog).toBe(0);
    expect(loop.generation).toBe(0);
    // Each failed cycle took well under a millisecond; none took the length of its pause.
    expect(loop.cycleDurations().sumSeconds).toBeLessThan(0.1);
  });

  it('past maxLoopFailures the count goes back to 0 and the threshold is signalled', async () => {
    const loop = newLoop({ name: 'Fails', fixture: 'counts-cycles', maxLoopFailures: 2, resetGlobally: false });
    await loop.start();
    const exceeded = nextEvent(loop, 'thresholdExceeded');
    loop.failure();
    loop.failure();
    expect(loop.failures).toBe(2);
    loop.failure();
    await exceeded;
    expect(loop.failures).toBe(0);
    expect(loop.state).toBe('running');
  });

  it('stopOnFailure stops the loop when it exceeds its budget', async () => {
    const loop = newLoop({ name: 'StopsOnFailure', fixture: 'reports-failures', maxLoopFailures: 2, stopOnFailure: true, resetGlobally: false });
    const stopped = nextEvent<{ reason: string }>(loop, 'stopped');
    await loop.start();
    expect((await stopped).reason).toBe('failure');
    expect(loop.running).toBe(false);
    expect(loop.isAlive).toBe(false);
  });

  it('failures older than failureWindowMs no longer count', async () => {
    const loop = newLoop({ name: 'Window', fixture: 'counts-cycles', failureWindowMs: 50, resetGlobally: false });
    loop.failure();
    loop.failure();
    expect(loop.failures).toBe(2);
    await waitFor(() => loop.failures === 0, { what: 'failures to age out of the window' });
  });

  it('a worker that runs out of memory is counted as oom and restarted; the test process lives on', async () => {
    const loop = newLoop({ name: 'Leaks', fixture: 'leaks-memory', memoryLimitMb: 16, maxLoopFailures: 100 });
    await loop.start();
    const crashed = await nextEvent<{ kind: string }>(loop, 'crashed', () => true, 20_000);
    expect(crashed.kind).toBe('oom');
    await nextEvent(loop, 'started', () => true, 20_000);
    expect(loop.generation).toBe(1);
    expect(loop.failuresByKind.oom).toBe(1);
    expect(loop.restarts).toBe(1);
  });

  it('process.exit in the worker is counted as exit and the loop is restarted', async () => {
    const loop = newLoop({ name: 'Exits', fixture: 'exits-process', maxLoopFailures: 100 });
    await loop.start();
    const crashed = await nextEvent<{ kind: string; exitCode: number }>(loop, 'crashed');
    expect(crashed).toMatchObject({ kind: 'exit', exitCode: 3 });
    await nextEvent(loop, 'started');
    expect(loop.generation).toBe(1);
  });

  it('an exception outside cycle ends the worker, is counted as crash, and the loop restarts', async () => {
    const loop = newLoop({ name: 'Outside', fixture: 'throws-outside-cycle', maxLoopFailures: 100 });
    await loop.start();
    const crashed = await nextEvent<{ kind: string; error: { message: string } }>(loop, 'crashed');
    expect(crashed.kind).toBe('crash');
    expect(crashed.error.message).toBe('thrown outside cycle');
    await nextEvent(loop, 'started');
    expect(loop.failuresByKind.crash).toBeGreaterThanOrEqual(1);
  });

  it('restart: never leaves a crashed loop failed', async () => {
    const loop = newLoop({ name: 'Never', fixture: 'exits-process', restart: 'never' });
    await loop.start();
    await nextEvent(loop, 'crashed');
    await waitFor(() => loop.state === 'failed', { what: 'state failed' });
    expect(loop.isAlive).toBe(false);
  });

  it('cycleTimeoutMs fires on a spinning cycle, diagnoses it as busy, and hard-resets the generation', async () => {
    const loop = newLoop({ name: 'Watched', fixture: 'busy-forever', cycleTimeoutMs: 100, gracePeriodMs: 100, maxLoopFailures: 100 });
    await loop.start();
    const fired = await nextEvent<{ diagnosis: string; generation: number }>(loop, 'watchdog');
    expect(fired).toMatchObject({ diagnosis: 'busy', generation: 0 });
    await nextEvent(loop, 'started', (e: { generation: number }) => e.generation === 1);
    expect(loop.failuresByKind.watchdog).toBe(1);
  });

  it('cycleTimeoutMs diagnoses a cycle awaiting forever as waiting', async () => {
    const loop = newLoop({ name: 'Waits', fixture: 'ignores-stop', cycleTimeoutMs: 100, gracePeriodMs: 50, maxLoopFailures: 100 });
    await loop.start();
    const fired = await nextEvent<{ diagnosis: string }>(loop, 'watchdog');
    expect(fired.diagnosis).toBe('waiting');
  });
});

describe('Loop hooks that throw', () => {
  it('onStart throwing is logged and the start goes on', async () => {
    const loop = newLoop({ name: 'H1', fixture: 'throws-in-hook', options: { hook: 'onStart' } });
    expect((await loop.start()).started).toBe(true);
    expect(under.lines.some((l) => l.msg === 'Hook threw' && l.hook === 'onStart')).toBe(true);
  });

  it('onThreadStart throwing ends that generation without cycling; it counts and restarts', async () => {
    const loop = newLoop({ name: 'H2', fixture: 'throws-in-hook', options: { hook: 'onThreadStart' }, restart: 'never' });
    const result = await loop.start();
    expect(result).toMatchObject({ started: false, reason: 'crashed' });
    expect(loop.cycles).toBe(0);
    expect(loop.failuresByKind['thread-start']).toBe(1);
  });

  it.each(['onStop', 'onThreadStop'])('%s throwing is logged and the stop completes', async (hook) => {
    const loop = newLoop({ name: 'H3', fixture: 'throws-in-hook', options: { hook } });
    await loop.start();
    const result = await loop.stop();
    expect(result.wasAlive).toBe(true);
    expect(loop.isAlive).toBe(false);
    expect(under.lines.some((l) => l.msg === 'Hook threw' && l.hook === hook)).toBe(true);
  });
});

describe('Loop hard reset', () => {
  it('starts the next generation and the old worker is gone', async () => {
    const loop = newLoop({ name: 'Reset', fixture: 'counts-cycles' });
    await loop.start();
    const result = await loop.hardReset();
    expect(result).toEqual({ started: true, generation: 1 });
    expect(loop.threadName).toBe('Reset_1');
    expect(under.lines.filter((l) => l.msg === 'Exited gracefully' && l.generation === 0)).toHaveLength(1);
  });

  it('--force kills a spinning generation at once', async () => {
    const loop = newLoop({ name: 'Spin', fixture: 'busy-forever', gracePeriodMs: 60_000, options: { spinGenerations: 1 } });
    await loop.start();
    const result = await loop.hardReset({ force: true });
    expect(result).toEqual({ started: true, generation: 1 });
  });

  it('after 50 hard resets exactly one worker is alive', async () => {
    const loop = newLoop({ name: 'Many', fixture: 'sync-counter', gracePeriodMs: 1000 });
    await loop.start();
    // The process's real threads, not the handle's view: with one worker alive, then after 50 replacements.
    const threads = (): number => readdirSync('/proc/self/task').length;
    const withOneWorker = threads();
    for (let i = 0; i < 50; i++) await loop.hardReset({ force: i % 2 === 0 });
    expect(loop.generation).toBe(50);
    expect(under.controller.aliveLoops()).toHaveLength(1);
    await waitFor(() => threads() === withOneWorker, { timeoutMs: 5000, what: `${withOneWorker} threads (one worker), not ${threads()}` });
    // Each generation reported its end before the next began: never two alive at once.
    const ends = under.lines.filter((l) => l.msg === 'Exited gracefully' || l.msg === 'Terminated').map((l) => l.generation);
    expect(ends).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('log under.lines a worker sent just before it was terminated arrive', async () => {
    const loop = newLoop({ name: 'Burst', fixture: 'logs-in-first-cycle-then-spins', gracePeriodMs: 100, options: { lines: 20_000 } });
    await loop.start();
    // The cycle count comes through shared memory, not the log channel: once cycle 0 has
    // ended, every line is posted, and many may still be on their way when the worker dies.
    await waitFor(() => loop.cycles >= 1, { what: 'the first cycle (the one that logs) to end' });
    await loop.hardReset({ force: true });
    const seqs = under.lines.filter((l) => l.msg === 'burst' && l.generation === 0).map((l) => l.seq);
    expect(seqs).toHaveLength(20_000); // far past the backlog bound: the worker waited, nothing was lost
    expect(seqs).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });
});
