/**
 * What each injected fault must turn into in the daemon (the table in
 * test/chaos/loops/chaotic.ts, as data for the ledger).
 *
 * `counts`: the failure kinds (status `failuresByKind`, the daemon's "Failure"
 * line) that account for the fault. An allocation can outlast cycle_timeout
 * before it reaches the heap limit, so an `oom` fault may end as a watchdog.
 *
 * `preemptable`: the fault may legitimately leave no failure when its
 * generation was being stopped at the time (a stop, hard reset, global reset,
 * reload or shutdown got there first: the daemon does not count the exit of a
 * worker it asked to stop, and stops watching a cycle once it asks). The
 * failures a worker reports itself (throw, failure) are messages, delivered
 * before its exit, so they are never excused.
 */
export const FAULTS = {
  throw: { counts: ['cycle-error'], preemptable: false },
  failure: { counts: ['reported'], preemptable: false },
  exit: { counts: ['exit'], preemptable: true },
  oom: { counts: ['oom', 'watchdog'], preemptable: true },
  spin: { counts: ['watchdog'], preemptable: true },
  hang: { counts: ['watchdog'], preemptable: true },
  'unhandled-rejection': { counts: ['crash'], preemptable: true },
  'thread-start': { counts: ['thread-start'], preemptable: true },
  'ignore-stop': { counts: [], preemptable: true },
  'log-burst': { counts: [], preemptable: true },
};

export const FAULT_KINDS = Object.keys(FAULTS);

export const FAILURE_KINDS = ['reported', 'cycle-error', 'crash', 'oom', 'exit', 'watchdog', 'thread-start'];

/** Cycle-fault weights of the soak (thread-start has its own rate). Spins and allocations cost a core for up to a second, so they are rarer. */
export const DEFAULT_WEIGHTS = {
  throw: 20,
  failure: 16,
  exit: 8,
  oom: 5,
  spin: 5,
  hang: 6,
  'unhandled-rejection': 8,
  'ignore-stop': 6,
  'log-burst': 10,
};
