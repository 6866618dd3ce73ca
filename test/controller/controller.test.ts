import { afterEach, describe, expect, it } from 'vitest';
import { LoopController, type ControllerOptions, type ResetResult } from 'superloops';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { captureLogger, fixture, nextEvent, waitFor, type LogLine } from '../helpers.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let controller: LoopController | undefined;
let lines: LogLine[] = [];

function newController(options: Omit<ControllerOptions, 'logger'> = {}): LoopController {
  const captured = captureLogger();
  lines = captured.lines;
  controller = new LoopController({ ...options, logger: captured.logger });
  return controller;
}

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
});

describe('LoopController global reset', () => {
  it('the seed integration case: a bad loop trips the green light, both restart as generation 1 with 0 failures', async () => {
    const c = newController();
    const good = c.newLoop({ name: 'GoodLoop', module: fixture('counts-cycles') });
    const bad = c.newLoop({ name: 'BadLoop', module: fixture('reports-failures'), maxLoopFailures: 2, options: { sleepMs: 20 } });
    const completed = nextEvent<ResetResult>(c, 'resetCompleted');
    const cleared = nextEvent<{ value: boolean; loop?: string }>(c, 'greenLight', (e) => !e.value);
    await c.start();
    expect(await cleared).toEqual({ value: false, loop: 'BadLoop' });
    const result = await completed;
    expect(result.restarted.sort()).toEqual(['BadLoop', 'GoodLoop']);
    expect(c.greenLight).toBe(true);
    expect(good.generation).toBe(1);
    expect(bad.generation).toBe(1);
    expect(good.failures).toBe(0);
    // The reset's lines, in order, all with one resetId: the controller's (no thread), and each loop's.
    const ofReset = lines.filter((l) => l.resetId === result.resetId);
    expect(ofReset.filter((l) => l.thread === undefined).map((l) => l.msg)).toEqual(['Stopping loops', 'Resetting', 'Restarting loops', 'Restart completed']);
    for (const loop of ['GoodLoop', 'BadLoop']) {
      const msgs = ofReset.filter((l) => l.thread !== undefined && l.loop === loop).map((l) => l.msg);
      expect(msgs).toEqual(['Stopping', expect.stringMatching(/^(Exited gracefully|Terminated)$/), 'Started']);
    }
  });

  it('resets only resetGlobally loops, runs the callback between stop and restart', async () => {
    const order: string[] = [];
    const c = newController({
      resetCallback: ({ loops }) => {
        order.push(`callback sees alive: ${c.loops.filter((l) => l.isAlive).map((l) => l.name).join(',')}`);
        order.push(`callback loops: ${loops.join(',')}`);
      },
    });
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    const b = c.newLoop({ name: 'B', module: fixture('counts-cycles') });
    const keep = c.newLoop({ name: 'Keep', module: fixture('counts-cycles'), resetGlobally: false });
    await c.start();
    const result = await c.reset();
    expect(order).toEqual(['callback sees alive: Keep', 'callback loops: A,B']);
    expect(result.restarted).toEqual(['A', 'B']);
    expect([a.generation, b.generation, keep.generation]).toEqual([1, 1, 0]);
    expect(keep.state).toBe('running');
  });

  it('a throwing reset callback does not stop the reset', async () => {
    const c = newController({
      resetCallback: () => {
        throw new Error('callback failed on purpose');
      },
    });
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    const failed = nextEvent<{ error: { message: string } }>(c, 'resetCallbackFailed');
    const result = await c.reset();
    expect((await failed).error.message).toBe('callback failed on purpose');
    expect(result.restarted).toEqual(['A']);
    expect(a.state).toBe('running');
    expect(lines.some((l) => l.msg === 'Reset callback failed')).toBe(true);
  });

  it('a reset callback that never ends is abandoned after its timeout, its signal aborted', async () => {
    let reason: unknown;
    const c = newController({
      resetCallback: ({ signal }) => new Promise(() => signal.addEventListener('abort', () => (reason = signal.reason))),
      resetCallbackTimeoutMs: 100,
    });
    c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    const result = await c.reset();
    expect(result.restarted).toEqual(['A']);
    expect(reason).toMatchObject({ code: 'SL_ERR_TIMEOUT' });
  });

  it('a loop that cannot stop in time is terminated and restarted', async () => {
    const c = newController();
    const stuck = c.newLoop({ name: 'Stuck', module: fixture('busy-forever'), gracePeriodMs: 100, options: { spinGenerations: 1 } });
    await c.start();
    await waitFor(() => stuck.currentCycleMs !== undefined, { what: 'Stuck to be spinning' });
    const result = await c.reset();
    expect(result.restarted).toEqual(['Stuck']);
    expect(stuck.generation).toBe(1);
    expect(lines.some((l) => l.msg === 'Grace period over, terminating' && l.loop === 'Stuck')).toBe(true);
  });

  it('20 loops whose cycles wait 1 s reset in about one grace period, not twenty', async () => {
    const c = newController();
    const loops = Array.from({ length: 20 }, (_, i) =>
      c.newLoop({ name: `L${i}`, module: fixture('blocks-one-second'), gracePeriodMs: 1500 }),
    );
    await c.start();
    const result = await c.reset();
    expect(result.restarted).toHaveLength(20);
    expect(loops.every((l) => l.generation === 1)).toBe(true);
    // In parallel: bounded by one grace period plus spawning; one after another would take ≥ 10 s.
    expect(result.durationMs).toBeLessThan(1500 + 3000);
  });

  it('overlapping reset requests give exactly one reset', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    const results = await Promise.all([c.reset(), c.reset(), c.reset()]);
    expect(new Set(results.map((r) => r.resetId)).size).toBe(1);
    expect(c.resets).toBe(1);
    expect(a.generation).toBe(1);
  });

  it('failures during the restart phase do not start a second overlapping reset', async () => {
    const c = newController();
    const bad = c.newLoop({ name: 'Bad', module: fixture('reports-failures'), maxLoopFailures: 0, options: { sleepMs: 1 } });
    // Keeps the restart phase open ~300 ms while Bad, already running again, fails every millisecond.
    c.newLoop({ name: 'Slow', module: fixture('slow-thread-start') });
    const started: string[] = [];
    c.on('resetStarted', ({ resetId }) => started.push(resetId));
    let atFirstCompletion: { started: number; resets: number } | undefined;
    c.once('resetCompleted', () => (atFirstCompletion = { started: started.length, resets: c.resets }));
    await c.start();
    await waitFor(() => atFirstCompletion, { what: 'the first reset to complete' });
    expect(atFirstCompletion).toEqual({ started: 1, resets: 1 });
    expect(lines.some((l) => l.loop === 'Bad' && l.generation === 1 && l.msg === 'Failure')).toBe(true);
    // Every reset that began also completed before the next began: never two at once.
    const msgs = lines.filter((l) => l.msg === 'Stopping loops' || l.msg === 'Restart completed').map((l) => l.msg);
    for (let i = 0; i < msgs.length; i++) expect(msgs[i]).toBe(i % 2 === 0 ? 'Stopping loops' : 'Restart completed');
    expect(bad.isAlive || bad.busy).toBe(true);
  });

  it('exceeding maxResets within resetWindowMs makes the controller give up with every worker gone', async () => {
    const c = newController({ maxResets: 2, resetWindowMs: 60_000 });
    c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    c.newLoop({ name: 'B', module: fixture('counts-cycles'), resetGlobally: false });
    await c.start();
    await c.reset();
    await c.reset();
    const gaveUp = nextEvent<{ resets: number; maxResets: number }>(c, 'gaveUp');
    await expect(c.reset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    expect(await gaveUp).toMatchObject({ resets: 3, maxResets: 2 });
    expect(c.gaveUp).toBe(true);
    expect(c.hasAliveLoops()).toBe(false);
    expect(lines.some((l) => l.msg === 'Gave up: too many resets' && l.level === 50)).toBe(true);
    await expect(c.start()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
  });

  it('after giving up, reset(), maintainLoops() and start() all reject with SL_ERR_CONTROLLER_GAVE_UP', async () => {
    const c = newController({ maxResets: 0 });
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    c.newLoop({ name: 'Later', module: fixture('counts-cycles'), autostart: false });
    await c.start();
    await expect(c.reset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    expect(c.gaveUp).toBe(true);
    // Rejected promises, not synchronous throws: `c.reset()` is evaluated before `expect` sees it.
    await expect(c.reset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    await expect(c.maintainLoops()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    await expect(c.start()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    // Nothing was started by the refused commands, and no further reset was counted.
    expect(c.hasAliveLoops()).toBe(false);
    expect(c.resets).toBe(0);
    expect(a.generation).toBe(0);
    // A handle kept from before cannot start a worker behind the controller's back either.
    await expect(a.start()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    await expect(a.hardReset()).rejects.toMatchObject({ code: 'SL_ERR_CONTROLLER_GAVE_UP' });
    expect([a.isAlive, a.generation, c.hasAliveLoops()]).toEqual([false, 0, false]);
  });
});

describe('LoopController supervision of the set', () => {
  it('counts crash restarts per loop and in total; global and hard resets are not restarts; removed loops stay counted', async () => {
    const c = newController();
    // Exits in its first two generations: two crash restarts, then it cycles.
    const crashes = c.newLoop({ name: 'Crashes', module: fixture('exits-in-early-generations'), restartDelayMs: 1, options: { generations: 2, afterCycles: 1 } });
    const steady = c.newLoop({ name: 'Steady', module: fixture('counts-cycles') });
    const second = nextEvent<{ generation: number }>(crashes, 'started', (e) => e.generation === 2);
    expect(c.status().restarts).toBe(0);
    await c.start();
    await second;
    expect([crashes.restarts, steady.restarts]).toEqual([2, 0]);
    expect(c.restarts).toBe(2);
    const status = c.status();
    expect(status.restarts).toBe(2);
    expect(status.restarts).toBe(status.loops.reduce((sum, l) => sum + l.restarts, 0));
    await c.reset();
    await steady.hardReset();
    expect(crashes.generation).toBe(3);
    expect(c.restarts).toBe(2);
    await c.removeLoop('Crashes');
    expect(c.status()).toMatchObject({ restarts: 2, loops: [{ name: 'Steady', restarts: 0 }] });
  });

  it('checkModules loads modules in throwaway workers and names each problem, adding and starting nothing', async () => {
    const c = newController();
    const problems = await c.checkModules([
      { name: 'Good', module: fixture('counts-cycles') },
      { name: 'NotALoop', module: fixture('no-superloop') },
      { name: 'Throws', module: fixture('throws-on-import') },
    ]);
    expect(problems).toEqual([
      { loop: 'NotALoop', module: fixture('no-superloop'), message: expect.stringMatching(/no-superloop\.ts .*must be a class that extends SuperLoop/) },
      { loop: 'Throws', module: fixture('throws-on-import'), message: expect.stringMatching(/throws-on-import\.ts: /) },
    ]);
    expect(c.loops).toEqual([]);
    expect(await c.checkModules([])).toEqual([]);
    // A loop added afterwards starts from the same compiler's build.
    expect((await c.newLoop({ name: 'Good', module: fixture('counts-cycles') }).start()).started).toBe(true);
  });

  it('maintainLoops starts only loops that are not alive', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    const b = c.newLoop({ name: 'B', module: fixture('counts-cycles') });
    await a.start();
    await c.maintainLoops();
    expect(a.generation).toBe(0);
    expect(b.generation).toBe(0);
    expect(c.aliveLoops().map((l) => l.name)).toEqual(['A', 'B']);
    await b.stop();
    await c.maintainLoops();
    expect([a.generation, b.generation]).toEqual([0, 1]);
  });

  it('getStalledLoops names loops meant to run that make no progress', async () => {
    const c = newController();
    const busy = c.newLoop({ name: 'Busy', module: fixture('busy-forever'), gracePeriodMs: 50 });
    const fine = c.newLoop({ name: 'Fine', module: fixture('counts-cycles') });
    await c.start();
    await waitFor(() => fine.cycles > 0, { what: 'Fine to cycle' });
    const stalled = await waitFor(() => {
      const names = c.getStalledLoops(200).map((l) => l.name);
      return names.length > 0 && names;
    }, { what: 'a stalled loop' });
    expect(stalled).toEqual(['Busy']);
    expect(c.getStalledLoops(60_000)).toEqual([]);
    expect(busy.running && fine.running).toBe(true);
  });

  it('stop() stops every loop in parallel and resolves when every worker is gone', async () => {
    const c = newController();
    for (let i = 0; i < 5; i++) c.newLoop({ name: `S${i}`, module: fixture('busy-forever'), gracePeriodMs: 200 });
    await c.start();
    expect(c.aliveLoops()).toHaveLength(5);
    const began = performance.now();
    await c.stop();
    expect(c.hasAliveLoops()).toBe(false);
    expect(performance.now() - began).toBeLessThan(5 * 200);
  });

  it('removeLoop stops and forgets a loop; unknown names list the known ones', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    await c.removeLoop('A');
    expect(c.loops).toHaveLength(0);
    expect(a.isAlive).toBe(false);
    expect(a.state).toBe('stopped');
    await expect(a.start()).rejects.toMatchObject({ code: 'SL_ERR_LOOP_NOT_FOUND' });
    expect(() => c.getLoop('A')).toThrow(expect.objectContaining({ code: 'SL_ERR_LOOP_NOT_FOUND' }));
    expect(() => c.newLoop({ name: 'X', module: fixture('counts-cycles') }) && c.newLoop({ name: 'X', module: fixture('counts-cycles') })).toThrow(
      expect.objectContaining({ code: 'SL_ERR_LOOP_EXISTS' }),
    );
  });

  it('a removed loop keeps its name until its stop has ended: newLoop meanwhile throws SL_ERR_LOOP_EXISTS', async () => {
    const c = newController();
    // Ignores the stop request: its removal lasts the whole grace period.
    const old = c.newLoop({ name: 'A', module: fixture('ignores-stop'), gracePeriodMs: 300 });
    await c.start();
    const removed = c.removeLoop('A');
    expect(() => c.getLoop('A')).toThrow(expect.objectContaining({ code: 'SL_ERR_LOOP_NOT_FOUND' }));
    expect(() => c.newLoop({ name: 'A', module: fixture('counts-cycles') })).toThrow(expect.objectContaining({ code: 'SL_ERR_LOOP_EXISTS' }));
    expect(old.isAlive).toBe(true);
    await removed;
    expect(old.isAlive).toBe(false);
    const fresh = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await fresh.start();
    expect(fresh.threadName).toBe('A_0');
    expect(c.aliveLoops()).toEqual([fresh]);
  });

  it('concurrent commands on one loop run one at a time and leave it consistent', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await a.start();
    const results = await Promise.all([a.hardReset(), a.stop(), a.start(), a.hardReset({ force: true }), c.reset(), a.stop()]);
    expect(results).toHaveLength(6);
    expect(a.state).toBe('stopped');
    expect(a.isAlive).toBe(false);
    expect(a.running).toBe(false);
    await a.start();
    expect(a.state).toBe('running');
    expect(c.aliveLoops()).toEqual([a]);
  });

  it('a hard reset requested during a global reset runs after it, never beside it', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    const reset = c.reset();
    const hard = a.hardReset();
    await Promise.all([reset, hard]);
    expect(await hard).toEqual({ started: true, generation: 2 });
    // The hard reset found the reset's generation 1 running, not generation 0.
    expect(lines.find((l) => l.msg === 'Hard reset')).toMatchObject({ generation: 1 });
    expect(a.generation).toBe(2);
    expect(c.aliveLoops()).toEqual([a]);
  });

  it('a stop requested during a global reset runs after it: the reset starts the next generation, the queued stop cuts it short', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('counts-cycles') });
    await c.start();
    const reset = c.reset();
    const stop = a.stop();
    const [result] = await Promise.all([reset, stop]);
    // The reset's start does not wait for a generation that a queued stop will end: A is not among the restarted.
    expect(result.restarted).toEqual([]);
    expect(a.state).toBe('stopped');
    expect(a.generation).toBe(1);
    expect(c.greenLight).toBe(true);
    expect(c.hasAliveLoops()).toBe(false);
  });

  it('a global reset requested during a stop waits for it; the stopped loop stays stopped', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('busy-forever'), gracePeriodMs: 200 });
    const b = c.newLoop({ name: 'B', module: fixture('counts-cycles') });
    await c.start();
    await waitFor(() => a.currentCycleMs !== undefined, { what: 'A to spin' });
    const stop = a.stop();
    const result = await c.reset();
    await stop;
    expect(result.restarted).toEqual(['B']);
    expect(a.state).toBe('stopped');
    expect(b.generation).toBe(1);
  });

  it('a stop while a crashed loop waits to restart cancels the restart', async () => {
    const c = newController();
    const a = c.newLoop({ name: 'A', module: fixture('exits-process'), restartDelayMs: 60_000, maxLoopFailures: 100, options: { afterCycles: 1 } });
    await a.start();
    await nextEvent(a, 'restartScheduled', () => true);
    // The first restart is immediate; wait for the second crash, whose restart waits.
    await nextEvent(a, 'restartScheduled', (e: { delayMs: number }) => e.delayMs > 1000);
    expect(a.state).toBe('restarting');
    await a.stop();
    expect(a.state).toBe('stopped');
    expect(a.running).toBe(false);
    expect(a.isAlive).toBe(false);
  });

  it('an idle controller with loops wakes its thread not once: no timer, immediate or other callback in 1.5 s', async () => {
    // In a child process of its own, so that the test runner's timers do not count. async_hooks
    // sees unref'd timers too, which process.getActiveResourcesInfo() does not list.
    const { stdout } = await execFileAsync(process.execPath, [fixture('counts-idle-wakeups').replace(/\.ts$/, '.mjs'), fixture('sleeps-long')], {
      cwd: repoRoot,
      timeout: 20_000,
    });
    const idle = JSON.parse(stdout) as { wakeups: string[]; cyclesBefore: number[]; cyclesAfter: number[] };
    expect(idle.wakeups).toEqual([]);
    // The loops cycled all the while, in their own threads, without a message to this one.
    idle.cyclesAfter.forEach((after, i) => expect(after).toBeGreaterThan(idle.cyclesBefore[i]!));
  });
});
