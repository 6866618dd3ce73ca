import { FAILURE_KINDS, FAULTS, FAULT_KINDS } from './faults.mjs';

/** Error-level lines the chaos is meant to cause; any other line at error or fatal is a breach. */
const EXPECTED_ERRORS = new Set([
  'Worker died',
  'Cycle timed out, spinning in synchronous code',
  'Cycle timed out, waiting on something that did not settle',
  'Exceeded maximum number of failures',
  'Hook threw', // only from onThreadStart (the thread-start fault); checked below
]);
const END_LINES = new Set(['Exited gracefully', 'Terminated', 'Worker died']);
/** A fault whose outcome has not shown up this long after its line is missing (unless its generation is being stopped). */
const FAULT_DEADLINE_MS = { spin: 15_000, hang: 15_000, oom: 15_000 };
const DEFAULT_DEADLINE_MS = 10_000;
/** The failure line of a crash follows the generation's end line within the same tick; this is slack for the reader. */
const AFTER_END_MS = 2_000;
/** A stop may take its grace period, then terminate() (~10 ms measured): anything past this is a breach. */
const STOP_SLACK_MS = 2_000;
/** One global reset: every participant stopped within its grace period, the callback, the restarts. */
const RESET_BOUND_MS = 30_000;

const emptyKinds = () => Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0]));

/**
 * Reads the daemon's log, line by line, and keeps the books of the soak:
 *
 * - every fault a chaotic loop announced (`{ fault }`, logged before it is
 *   injected) is matched to its outcome: the daemon's "Failure" line of the
 *   expected kind for the same loop and generation (counted), or, for a fault
 *   the daemon may legitimately not count, its generation being stopped at the
 *   time (preempted). Neither, by a deadline, is a breach (missing);
 * - every "Failure" line must be explained by a fault or by a `ctl failure`
 *   the driver sent; one that is not is a breach (a phantom failure);
 * - generations: a loop's next generation never starts before its last one
 *   ended ("Started" vs "Exited gracefully" / "Terminated" / "Worker died");
 *   a stop never outlasts its grace period plus a bound; a generation whose
 *   onStop never returns (ignore-stop) is terminated, and not before its grace period;
 * - a log burst arrives whole; a global reset completes within a bound;
 * - any error-level line the chaos does not explain is a breach.
 *
 * Loops are told apart across reloads by `epoch`: a reload replaces a changed
 * loop with a new Loop whose generations count from 0 again, and each chaos
 * loop logs its epoch when a generation starts.
 */
export class Ledger {
  constructor({ breach }) {
    this.breach = breach;
    this.injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
    /** Outcomes per fault kind: counted, preempted, missing, and for the two that count nothing: proven/moot (ignore-stop), whole/cut (log-burst). */
    this.outcomes = Object.fromEntries(FAULT_KINDS.map((k) => [k, {}]));
    /** "Failure" lines per loop name, per kind. */
    this.failureLines = new Map();
    this.restartScheduled = new Map();
    this.resets = { total: 0, threshold: 0, requested: 0, completed: 0 };
    this.started = 0;
    this.ends = { 'Exited gracefully': 0, Terminated: 0, 'Worker died': 0 };
    this.watchdog = { spin: { busy: 0, waiting: 0 }, hang: { busy: 0, waiting: 0 }, oom: { busy: 0, waiting: 0 } };
    this.driverFailures = { expected: new Map(), counted: 0 };
    this.warnings = new Map();
    this.burstLines = 0;
    this.#markers = new Map();
  }

  #gens = new Map(); // key → generation record
  #alive = new Map(); // loop → Map<generation number, key>
  #epochOf = new Map(); // loop → epoch of its latest generation
  #pending = new Set(); // faults awaiting their outcome
  #bursts = new Map(); // `${key}|${seq}` → { fault, got }
  #openResets = new Map(); // resetId → { at, trigger }
  #markers;

  /** Calls `fn` when the daemon logs its debug line for `GET /v1/status?probe=<id>` (written after the answer). */
  onMarker(id, fn) {
    this.#markers.set(String(id), fn);
  }

  /** The driver is about to send `ctl failure` to `loop`: one reported failure of it is explained. */
  expectDriverFailure(loop, delta = 1) {
    this.driverFailures.expected.set(loop, (this.driverFailures.expected.get(loop) ?? 0) + delta);
  }

  /** Copies of the counters that status must be bracketed by. */
  counters() {
    const failures = new Map([...this.failureLines].map(([loop, kinds]) => [loop, { ...kinds }]));
    return { failures, restartScheduled: new Map(this.restartScheduled), resets: this.resets.total };
  }

  line(record, text) {
    if (record === undefined) {
      this.breach('stdout', `a line that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    const { msg, loop, generation } = record;
    if (record.hello !== undefined && loop !== undefined) this.#epochOf.set(loop, record.epoch);
    if (record.fault !== undefined && loop !== undefined) this.#fault(record);
    else if (record.burst !== undefined) this.#burstLine(record);
    else if (record.burstEnd !== undefined) this.#burstEnd(record);
    else if (msg === 'Started' && loop !== undefined) this.#started(loop, generation);
    else if (END_LINES.has(msg) && loop !== undefined) this.#ended(record);
    else if (msg === 'Stopping' && loop !== undefined) this.#stoppingLine(record);
    else if (msg === 'Failure') this.#failure(record);
    else if (msg === 'Restart scheduled') this.restartScheduled.set(loop, (this.restartScheduled.get(loop) ?? 0) + 1);
    else if (msg === 'Stopping loops') this.#resetStarted(record);
    else if (msg === 'Restart completed') this.#resetCompleted(record);
    else if (msg?.startsWith('Cycle timed out')) this.#watchdogLine(record);
    else if (msg === 'Control request' && typeof record.url === 'string') this.#marker(record.url);
    if (record.level >= 50 && !this.#expectedError(record)) {
      this.breach('log', `unexpected ${record.level >= 60 ? 'fatal' : 'error'} line: ${text.slice(0, 400)}`);
    }
    if (record.level === 40 && msg !== 'Failure' && msg !== 'Grace period over, terminating') {
      this.warnings.set(msg, (this.warnings.get(msg) ?? 0) + 1);
    }
  }

  /**
   * Settles faults whose outcome can no longer come. With `final`, everything
   * still open is settled (the daemon has stopped every generation or exited).
   */
  settle(now = performance.now(), { final = false } = {}) {
    for (const fault of this.#pending) {
      const gen = fault.gen;
      if (gen.end !== undefined) {
        if (!final && now - gen.endSeenAt < AFTER_END_MS) continue;
        this.#close(fault, gen.stopping && FAULTS[fault.kind].preemptable ? 'preempted' : 'missing');
      } else if (final) {
        this.#close(fault, gen.stopping && FAULTS[fault.kind].preemptable ? 'preempted' : 'missing');
      } else if (gen.stopping === undefined && now - fault.seenAt > (FAULT_DEADLINE_MS[fault.kind] ?? DEFAULT_DEADLINE_MS)) {
        this.#close(fault, 'missing');
      }
    }
    for (const [id, reset] of this.#openResets) {
      if (now - reset.at > RESET_BOUND_MS) {
        this.#openResets.delete(id);
        this.breach('reset', `global reset ${id} (${reset.trigger}) did not complete within ${RESET_BOUND_MS / 1000} s`);
      }
    }
    if (final) {
      for (const [loop, gens] of this.#alive) {
        for (const number of gens.keys()) this.breach('generations', `${loop} generation ${number} never ended (no end line before the daemon stopped)`);
      }
      for (const [loop, n] of this.driverFailures.expected) {
        if (n !== 0) this.breach('accounting', `${n} ctl failure command(s) on ${loop} answered 200 but left no "Failure" line`);
      }
    }
  }

  // ── faults ───────────────────────────────────────────────────────────────

  #fault(record) {
    const kind = record.fault;
    if (!(kind in FAULTS)) return this.breach('log', `unknown fault kind ${kind}`);
    this.injected[kind]++;
    const key = `${record.loop}|${record.epoch}|${record.generation}`;
    const gen = this.#gen(key, record.loop, record.generation);
    const fault = { kind, gen, loop: record.loop, generation: record.generation, seq: record.seq, seenAt: performance.now() };
    if (kind === 'ignore-stop') gen.stubborn.push(fault);
    else if (kind === 'log-burst') this.#bursts.set(`${key}|${record.seq}`, { fault, got: 0 });
    else {
      gen.faults.push(fault);
      this.#pending.add(fault);
    }
  }

  #close(fault, outcome) {
    this.#pending.delete(fault);
    const tally = this.outcomes[fault.kind];
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    if (outcome === 'missing') {
      this.breach(
        'accounting',
        `fault ${fault.kind} #${fault.seq} of ${fault.loop} generation ${fault.generation} left no ${FAULTS[fault.kind].counts.join(' or ')} failure, and its generation was not being stopped`,
      );
    }
  }

  #failure(record) {
    const { loop, generation, kind } = record;
    const kinds = this.failureLines.get(loop) ?? emptyKinds();
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    this.failureLines.set(loop, kinds);
    const key = this.#keyOf(loop, generation);
    const gen = this.#gens.get(key);
    const fault = gen?.faults.find((f) => this.#pending.has(f) && FAULTS[f.kind].counts.includes(kind));
    if (fault) return this.#close(fault, 'counted');
    const expected = this.driverFailures.expected.get(loop) ?? 0;
    if (kind === 'reported' && expected > 0) {
      this.driverFailures.expected.set(loop, expected - 1);
      this.driverFailures.counted++;
      return;
    }
    this.breach('accounting', `a ${kind} failure of ${loop} generation ${generation} that no injected fault or ctl command explains`);
  }

  #watchdogLine(record) {
    const gen = this.#gens.get(this.#keyOf(record.loop, record.generation));
    const fault = gen?.faults.find((f) => this.#pending.has(f) && FAULTS[f.kind].counts.includes('watchdog'));
    if (fault && this.watchdog[fault.kind]) this.watchdog[fault.kind][record.diagnosis] = (this.watchdog[fault.kind][record.diagnosis] ?? 0) + 1;
  }

  #burstLine(record) {
    this.burstLines++;
    const burst = this.#bursts.get(`${this.#keyOf(record.loop, record.generation)}|${record.burst}`);
    if (burst === undefined) return this.breach('log', `a burst line of ${record.loop} with no announced burst`);
    if (record.i !== burst.got) this.breach('log', `burst #${record.burst} of ${record.loop}: line ${record.i} arrived where ${burst.got} was due (lost or reordered)`);
    burst.got++;
  }

  #burstEnd(record) {
    const id = `${this.#keyOf(record.loop, record.generation)}|${record.burstEnd}`;
    const burst = this.#bursts.get(id);
    if (burst === undefined) return this.breach('log', `the end of a burst of ${record.loop} that was never announced`);
    this.#bursts.delete(id);
    const whole = burst.got === record.lines;
    if (!whole) this.breach('log', `burst #${record.burstEnd} of ${record.loop}: ${burst.got} of ${record.lines} lines arrived`);
    this.#tally('log-burst', whole ? 'whole' : 'lost');
  }

  #tally(kind, outcome) {
    this.outcomes[kind][outcome] = (this.outcomes[kind][outcome] ?? 0) + 1;
  }

  // ── generations ──────────────────────────────────────────────────────────

  #keyOf(loop, generation) {
    return `${loop}|${this.#epochOf.get(loop) ?? 0}|${generation}`;
  }

  #gen(key, loop, number) {
    let gen = this.#gens.get(key);
    if (gen === undefined) {
      gen = { loop, number, faults: [], stubborn: [], stopping: undefined, end: undefined, endSeenAt: 0 };
      this.#gens.set(key, gen);
    }
    return gen;
  }

  #started(loop, generation) {
    this.started++;
    const alive = this.#alive.get(loop) ?? new Map();
    this.#alive.set(loop, alive);
    for (const other of alive.keys()) {
      this.breach('generations', `${loop} generation ${generation} started while generation ${other} had not ended: two generations alive`);
    }
    const key = this.#keyOf(loop, generation);
    // A record that has ended belongs to a Loop a reload replaced (same name, same epoch, numbers from 0 again).
    if (this.#gens.get(key)?.end !== undefined) this.#gens.delete(key);
    alive.set(generation, key);
    this.#gen(key, loop, generation);
  }

  #stoppingLine(record) {
    const gen = this.#gen(this.#aliveKey(record.loop, record.generation), record.loop, record.generation);
    gen.stopping ??= { reason: record.reason, graceMs: record.gracePeriodMs, at: Date.parse(record.time) };
  }

  #aliveKey(loop, generation) {
    return this.#alive.get(loop)?.get(generation) ?? this.#keyOf(loop, generation);
  }

  #ended(record) {
    const { loop, generation, msg } = record;
    this.ends[msg]++;
    const key = this.#aliveKey(loop, generation);
    this.#alive.get(loop)?.delete(generation);
    const gen = this.#gen(key, loop, generation);
    gen.end = msg;
    gen.endSeenAt = performance.now();
    const stop = gen.stopping;
    if (stop !== undefined) {
      const tookMs = Date.parse(record.time) - stop.at;
      if (tookMs > stop.graceMs + STOP_SLACK_MS) {
        this.breach('stop', `${loop} generation ${generation}: a stop with a ${stop.graceMs} ms grace period took ${tookMs} ms`);
      }
    }
    for (const fault of gen.stubborn) {
      if (stop === undefined || msg === 'Worker died') {
        this.#tally('ignore-stop', 'moot');
      } else if (msg === 'Terminated' && (stop.graceMs === 0 || Date.parse(record.time) - stop.at >= stop.graceMs - 5)) {
        this.#tally('ignore-stop', 'terminated');
      } else {
        this.#tally('ignore-stop', 'breach');
        this.breach(
          'stop',
          `${loop} generation ${generation} ignores stop requests (fault #${fault.seq}) yet ended "${msg}" ${Date.parse(record.time) - stop.at} ms into a ${stop.graceMs} ms grace period`,
        );
      }
    }
    gen.stubborn = [];
    for (const [id, burst] of this.#bursts) {
      if (!id.startsWith(`${key}|`)) continue;
      this.#bursts.delete(id);
      // A burst is synchronous: only terminate() can cut it, and only when the generation was being stopped.
      if (stop === undefined) this.breach('log', `burst #${burst.fault.seq} of ${loop} never ended though its generation was not stopped`);
      this.#tally('log-burst', 'cut');
    }
  }

  // ── resets and markers ───────────────────────────────────────────────────

  #resetStarted(record) {
    this.resets.total++;
    if (record.trigger === 'threshold') this.resets.threshold++;
    else this.resets.requested++;
    this.#openResets.set(record.resetId, { at: performance.now(), trigger: record.trigger });
  }

  #resetCompleted(record) {
    this.resets.completed++;
    this.#openResets.delete(record.resetId);
  }

  #marker(url) {
    const id = /[?&]probe=(\d+)/.exec(url)?.[1];
    const fn = id === undefined ? undefined : this.#markers.get(id);
    if (fn === undefined) return;
    this.#markers.delete(id);
    fn();
  }

  #expectedError(record) {
    if (!EXPECTED_ERRORS.has(record.msg)) return false;
    return record.msg !== 'Hook threw' || record.hook === 'onThreadStart';
  }
}
