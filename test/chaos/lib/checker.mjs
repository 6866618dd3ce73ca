import { control, httpGet } from './daemon.mjs';
import { FAILURE_KINDS } from './faults.mjs';
import { rssBytes, threadCount } from './proc.mjs';

/** The daemon must answer `GET /v1/status` within this. */
export const STATUS_DEADLINE_MS = 1000;
/** Threads may disagree with the live generations while loops start and stop; never for this long. */
const THREADS_SETTLE_MS = 5_000;
/** A loop meant to run (status `running`) must have a worker again within this (restart backoff ≤ 3 s, a global reset, a stop's grace period). */
const LOOP_DOWN_MS = 20_000;
/** No loop stays `starting` or `stopping` this long (grace periods ≤ 2 s, terminate() ~10 ms). */
const TRANSITION_MS = 20_000;

/**
 * The continuous checks, one round per `tick()`:
 *
 * - the daemon answers `GET /v1/status` within 1 s;
 * - OS threads: never more than baseline + every loop defined (+1 for the reset
 *   callback's worker) at any sample; and, once loops settle, exactly baseline
 *   + loops whose status says `alive` (+0/+1 while a global reset runs). A
 *   sample counts when the thread count read just before and just after the
 *   status request agree; a mismatch that lasts THREADS_SETTLE_MS is a breach;
 * - status counters agree with the log: for each loop and failure kind, the
 *   total in status (plus the totals of the Loops a reload replaced) lies
 *   between the "Failure" lines read before the request was sent and those
 *   read by the daemon's debug line for that very request (logged after the
 *   answer was written). The same bracket holds for global resets, and
 *   restarts never exceed "Restart scheduled" lines;
 * - no loop is down while meant to run, or stuck starting or stopping; the
 *   controller never gives up;
 * - samples RSS (from /proc) every round and the main thread's heap (from
 *   /metrics) every few seconds.
 */
export class Checker {
  constructor({ daemon, ledger, plan, breach, metricsAddress }) {
    this.daemon = daemon;
    this.ledger = ledger;
    this.plan = plan;
    this.breach = breach;
    this.metricsAddress = metricsAddress;
    this.baseline = undefined;
    /** Set by the driver while a reload replaces Loops: status then mixes old and new counters. */
    this.reloading = false;
    this.rss = [];
    this.heap = [];
    this.latencies = [];
    this.threads = { max: 0, samples: 0, consistent: 0, longestMismatchMs: 0, longestMismatch: undefined };
    this.brackets = 0;
    this.#probe = 0;
    this.#bank = new Map();
  }

  #probe;
  #bank; // loop → { failuresByKind, restarts } of the Loops a reload replaced
  #mismatchSince = undefined;
  #lastMismatch = undefined;
  #down = new Map();
  #transition = new Map();
  #lastMetricsAt = 0;
  #inflight = new Set();

  /** Adds a replaced Loop's final counters (from a status taken after it was stopped) to its name's totals. */
  bank(loopStatus) {
    const bank = this.#bank.get(loopStatus.name) ?? { failuresByKind: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])), restarts: 0 };
    for (const kind of FAILURE_KINDS) bank.failuresByKind[kind] += loopStatus.failuresByKind[kind] ?? 0;
    bank.restarts += loopStatus.restarts;
    this.#bank.set(loopStatus.name, bank);
  }

  /** Totals per loop name over every Loop of that name, given the live ones' status. */
  totals(status) {
    const out = new Map();
    for (const [name, bank] of this.#bank) out.set(name, { failuresByKind: { ...bank.failuresByKind }, restarts: bank.restarts });
    for (const loop of status.controller.loops) {
      const t = out.get(loop.name) ?? { failuresByKind: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])), restarts: 0 };
      for (const kind of FAILURE_KINDS) t.failuresByKind[kind] += loop.failuresByKind[kind] ?? 0;
      t.restarts += loop.restarts;
      out.set(loop.name, t);
    }
    return out;
  }

  /**
   * `GET /v1/status` with the accounting bracket. Resolves the status, or
   * undefined after a breach (no answer within the deadline).
   */
  status() {
    const run = this.#status();
    const settled = run.catch(() => {});
    this.#inflight.add(settled);
    void settled.then(() => this.#inflight.delete(settled));
    return run;
  }

  /** Stops bracketing (a reload is about to replace Loops) once the status request in flight, if any, has been checked. */
  async pauseAccounting() {
    this.reloading = true;
    await Promise.all(this.#inflight);
  }

  resumeAccounting() {
    this.reloading = false;
  }

  async #status() {
    const id = ++this.#probe;
    const before = this.ledger.counters();
    const reloading = this.reloading;
    const marker = new Promise((resolve) => this.ledger.onMarker(id, () => resolve(this.ledger.counters())));
    let answer;
    try {
      answer = await control(this.daemon.socket, 'GET', `/v1/status?probe=${id}`, undefined, { timeoutMs: STATUS_DEADLINE_MS });
    } catch (err) {
      this.breach('liveness', `GET /v1/status: ${err.message}`);
      return undefined;
    }
    this.latencies.push(answer.ms);
    if (answer.status !== 200) {
      this.breach('liveness', `GET /v1/status answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
      return undefined;
    }
    const status = answer.body.result;
    const after = await Promise.race([marker, new Promise((resolve) => setTimeout(resolve, 5000, undefined))]);
    if (after === undefined) this.breach('log', `no debug line for status probe ${id} within 5 s of its answer`);
    else if (!reloading && !this.reloading) this.#bracket(status, before, after);
    return status;
  }

  async tick() {
    const pid = this.daemon.pid;
    const t1 = threadCount(pid);
    const status = await this.status();
    const t2 = threadCount(pid);
    if (status === undefined) return;
    this.rss.push([performance.now(), rssBytes(pid)]);
    this.#threads(status, t1, t2);
    this.#loops(status);
    if (status.controller.gaveUp) this.breach('controller', 'the controller gave up');
    if (status.daemon.state !== 'running') this.breach('liveness', `daemon state is ${status.daemon.state}`);
    if (this.metricsAddress && performance.now() - this.#lastMetricsAt > 5000) await this.#metrics();
  }

  #threads(status, t1, t2) {
    const now = performance.now();
    this.threads.samples++;
    this.threads.max = Math.max(this.threads.max, t1, t2);
    const bound = this.baseline + this.plan.maxLoops + 1;
    if (t1 > bound || t2 > bound) {
      this.breach('threads', `${Math.max(t1, t2)} threads, more than baseline ${this.baseline} + ${this.plan.maxLoops} loops + 1 reset callback`);
    }
    const alive = status.controller.loops.filter((l) => l.alive).length;
    const extras = status.controller.resetting ? [0, 1] : [0];
    if (t1 === t2 && extras.some((e) => t1 === this.baseline + alive + e)) {
      this.threads.consistent++;
      if (this.#mismatchSince !== undefined && now - this.#mismatchSince > this.threads.longestMismatchMs) {
        this.threads.longestMismatchMs = now - this.#mismatchSince;
        this.threads.longestMismatch = { ...this.#lastMismatch, baseline: this.baseline, endedAtS: now / 1000 };
      }
      this.#mismatchSince = undefined;
      return;
    }
    this.#mismatchSince ??= now;
    this.#lastMismatch = { t1, t2, alive, resetting: status.controller.resetting };
    if (now - this.#mismatchSince > THREADS_SETTLE_MS) {
      const m = this.#lastMismatch;
      this.breach(
        'threads',
        `for ${Math.round((now - this.#mismatchSince) / 1000)} s the daemon's threads (${m.t1}, ${m.t2}) ≠ baseline ${this.baseline} + ${m.alive} alive loops${m.resetting ? ' (+1 reset callback)' : ''}: a worker nobody accounts for`,
      );
      this.#mismatchSince = now;
    }
  }

  #loops(status) {
    const now = performance.now();
    for (const loop of status.controller.loops) {
      const down = loop.running && !loop.alive;
      if (!down) this.#down.delete(loop.name);
      else if (!this.#down.has(loop.name)) this.#down.set(loop.name, now);
      else if (now - this.#down.get(loop.name) > LOOP_DOWN_MS) {
        this.breach('loops', `${loop.name} is meant to run (state ${loop.state}) but has had no worker for ${LOOP_DOWN_MS / 1000} s`);
        this.#down.set(loop.name, now);
      }
      const moving = loop.state === 'starting' || loop.state === 'stopping';
      const key = `${loop.name}:${loop.state}:${loop.generation}`;
      if (!moving) this.#transition.delete(loop.name);
      else if (this.#transition.get(loop.name)?.key !== key) this.#transition.set(loop.name, { key, at: now });
      else if (now - this.#transition.get(loop.name).at > TRANSITION_MS) {
        this.breach('loops', `${loop.name} has been ${loop.state} for ${TRANSITION_MS / 1000} s (generation ${loop.generation})`);
        this.#transition.set(loop.name, { key, at: now });
      }
    }
  }

  #bracket(status, before, after) {
    this.brackets++;
    const totals = this.totals(status);
    for (const [name, t] of totals) {
      for (const kind of FAILURE_KINDS) {
        const low = before.failures.get(name)?.[kind] ?? 0;
        const high = after.failures.get(name)?.[kind] ?? 0;
        const got = t.failuresByKind[kind];
        if (got < low || got > high) {
          this.breach('accounting', `${name}: status counts ${got} ${kind} failures, the log ${low}..${high} ("Failure" lines before the request .. after its answer)`);
        }
      }
      const scheduled = after.restartScheduled.get(name) ?? 0;
      if (t.restarts > scheduled) this.breach('accounting', `${name}: status counts ${t.restarts} restarts, the log only ${scheduled} "Restart scheduled"`);
    }
    for (const name of after.failures.keys()) {
      if (!totals.has(name)) this.breach('accounting', `${name} has "Failure" lines but no status and no banked totals`);
    }
    const resets = status.controller.resets;
    if (resets < before.resets || resets > after.resets) {
      this.breach('accounting', `status counts ${resets} global resets, the log ${before.resets}..${after.resets}`);
    }
  }

  async #metrics() {
    this.#lastMetricsAt = performance.now();
    const { host, port } = this.metricsAddress;
    try {
      const res = await httpGet(host, port, '/metrics', { timeoutMs: 5000 });
      if (res.status !== 200) return this.breach('metrics', `GET /metrics answered ${res.status}`);
      const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(res.text)?.[1];
      if (heap !== undefined) this.heap.push([performance.now(), Number(heap)]);
      if (!/^superloops_loop_failures_total\{/m.test(res.text)) this.breach('metrics', '/metrics has no superloops_loop_failures_total');
    } catch (err) {
      this.breach('metrics', `GET /metrics: ${err.message}`);
    }
  }
}
