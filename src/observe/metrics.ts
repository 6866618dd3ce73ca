import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ControllerStatus, LoopController } from '../controller/controller.js';
import type { LoopState, LoopStatus } from '../loop/loop.js';
import { CYCLE_BUCKETS_S } from '../worker/protocol.js';
import { BucketedHistogram } from './bucketed-histogram.js';

export interface Metrics {
  /** This daemon's own registry (never prom-client's global one: a process may hold several controllers). */
  registry: Registry;
  /** The Content-Type of `render()`'s text. */
  contentType: string;
  /** The whole exposition, read from the controller now. */
  render(): Promise<string>;
}

/** Every LoopState, so `superloops_loop_state` has a 0 for each state a loop is not in. */
const LOOP_STATES = Object.keys({
  stopped: 0,
  starting: 0,
  running: 0,
  stopping: 0,
  restarting: 0,
  failed: 0,
} satisfies Record<LoopState, 0>) as LoopState[];

/** What one scrape reads: the controller's status (what `ctl status` shows), plus each loop's duration buckets. */
interface Reading extends Omit<ControllerStatus, 'loops'> {
  atMs: number;
  loops: { status: LoopStatus; durations: { counts: number[]; sumSeconds: number } }[];
}

type Labels = Record<string, string>;
type Sample = [labels: Labels, value: number];

interface Definition {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  labelNames: string[];
  samples(r: Reading): Sample[];
}

const perLoop = (value: (s: LoopStatus, r: Reading) => number | undefined) => (r: Reading) =>
  r.loops.flatMap(({ status }): Sample[] => {
    const v = value(status, r);
    return v === undefined ? [] : [[{ loop: status.name }, v]];
  });

const flag = (b: boolean): number => (b ? 1 : 0);

/** The metrics of the controller and its loops; docs/metrics.md has a row for each. */
const DEFINITIONS: Definition[] = [
  {
    name: 'superloops_loop_up',
    type: 'gauge',
    help: "1 if the loop's state is running, else 0.",
    labelNames: ['loop'],
    samples: perLoop((s) => flag(s.state === 'running')),
  },
  {
    name: 'superloops_loop_state',
    type: 'gauge',
    help: 'The loop state: 1 for the current state, 0 for the others.',
    labelNames: ['loop', 'state'],
    samples: (r) => r.loops.flatMap(({ status }) => LOOP_STATES.map((state): Sample => [{ loop: status.name, state }, flag(status.state === state)])),
  },
  {
    name: 'superloops_loop_generation',
    type: 'gauge',
    help: 'The current (or last) generation of the loop; -1 before its first start.',
    labelNames: ['loop'],
    samples: perLoop((s) => s.generation),
  },
  {
    name: 'superloops_loop_cycles_total',
    type: 'counter',
    help: 'Cycles completed, over all generations.',
    labelNames: ['loop'],
    samples: perLoop((s) => s.cycles),
  },
  {
    name: 'superloops_loop_failures_total',
    type: 'counter',
    help: 'Failures by kind, over all generations.',
    labelNames: ['loop', 'kind'],
    samples: (r) => r.loops.flatMap(({ status }) => Object.entries(status.failuresByKind).map(([kind, n]): Sample => [{ loop: status.name, kind }, n])),
  },
  {
    name: 'superloops_loop_budget_failures',
    type: 'gauge',
    help: 'Failures that count against the failure budget now (cleared by a global reset).',
    labelNames: ['loop'],
    samples: perLoop((s) => s.failures),
  },
  {
    name: 'superloops_loop_restarts_total',
    type: 'counter',
    help: 'Restarts after the worker died on its own or its onThreadStart threw (hard and global resets not included).',
    labelNames: ['loop'],
    samples: perLoop((s) => s.restarts),
  },
  {
    name: 'superloops_loop_last_cycle_age_seconds',
    type: 'gauge',
    help: "Seconds since the loop's last completed cycle; absent until its current generation completes one.",
    labelNames: ['loop'],
    samples: perLoop((s, r) => (s.lastCycleAt === null ? undefined : Math.max(0, r.atMs - s.lastCycleAt) / 1000)),
  },
  {
    name: 'superloops_loop_heap_used_bytes',
    type: 'gauge',
    help: "Bytes of the loop worker's JS heap in use; 0 when it has no worker.",
    labelNames: ['loop'],
    samples: perLoop((s) => s.heapUsedBytes),
  },
  {
    name: 'superloops_green_light',
    type: 'gauge',
    help: '1 while the green light is set: no loop has exceeded its failure budget since the last global reset.',
    labelNames: [],
    samples: (r) => [[{}, flag(r.greenLight)]],
  },
  {
    name: 'superloops_resets_total',
    type: 'counter',
    help: 'Global resets run.',
    labelNames: [],
    samples: (r) => [[{}, r.resets]],
  },
  {
    name: 'superloops_resetting',
    type: 'gauge',
    help: '1 while a global reset is in progress.',
    labelNames: [],
    samples: (r) => [[{}, flag(r.resetting)]],
  },
  {
    name: 'superloops_gave_up',
    type: 'gauge',
    help: '1 once the controller has given up after too many global resets; the process must be restarted.',
    labelNames: [],
    samples: (r) => [[{}, flag(r.gaveUp)]],
  },
];

const CYCLE_DURATION = 'superloops_loop_cycle_duration_seconds';

function read(controller: LoopController): Reading {
  const { loops, ...rest } = controller.status();
  // status() lists controller.loops in order, in the same synchronous stretch.
  const handles = controller.loops;
  return { atMs: Date.now(), ...rest, loops: loops.map((status, i) => ({ status, durations: handles[i]!.cycleDurations() })) };
}

/** How often the event-loop lag histogram (nodejs_eventloop_lag_p50_seconds …) takes a sample. */
const EVENT_LOOP_SAMPLE_MS = 1000;

/**
 * A registry whose superloops metrics hold no state of their own: each scrape
 * reads the controller and its loops through the same `status()` that
 * `ctl status` shows, so the two agree, and a removed loop simply is no
 * longer there to read.
 */
export function createMetrics(controller: LoopController): Metrics {
  const registry = new Registry();
  // Standard process_* and nodejs_* names (event-loop lag included), unprefixed as Prometheus users expect.
  // The lag histogram samples once a second, not every 10 ms (the default): its
  // timer would wake an idle daemon a hundred times a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

  // One reading per scrape, so every metric of one exposition describes the
  // same moment. prom-client runs all collect callbacks of a registry.metrics()
  // call in one synchronous stretch; the reading is dropped at the next
  // microtask, so the next scrape reads afresh.
  let reading: Reading | undefined;
  const current = (): Reading => {
    if (reading === undefined) {
      reading = read(controller);
      queueMicrotask(() => (reading = undefined));
    }
    return reading;
  };

  for (const def of DEFINITIONS) {
    const config = { name: def.name, help: def.help, labelNames: def.labelNames, registers: [registry] };
    if (def.type === 'gauge') {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [labels, value] of def.samples(current())) this.set(labels, value);
        },
      });
    } else {
      new Counter({
        ...config,
        collect() {
          // The totals live in the loops; the counter only carries them to the exposition.
          this.reset();
          for (const [labels, value] of def.samples(current())) this.inc(labels, value);
        },
      });
    }
  }

  new BucketedHistogram({
    name: CYCLE_DURATION,
    help: 'Cycle durations in seconds, over all generations.',
    bounds: CYCLE_BUCKETS_S,
    registry,
    read: () => current().loops.map(({ status, durations }) => ({ labels: { loop: status.name }, counts: durations.counts, sum: durations.sumSeconds })),
  });

  return { registry, contentType: registry.contentType, render: () => registry.metrics() };
}
