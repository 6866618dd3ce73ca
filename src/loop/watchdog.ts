import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Generation } from './generation.js';

export type Diagnosis = 'busy' | 'waiting';

/**
 * The per-cycle watchdog: a cycle running longer than `timeoutMs` is reported.
 * It reads the cycle's start time from shared memory (no message per cycle) on
 * a timer that exists only while a loop with a timeout is running.
 *
 * Before reporting it looks at the worker's event-loop utilisation since the
 * last check: near 1, the cycle is spinning in synchronous code; near 0, it is
 * awaiting something that never settles. The log says which.
 */
export class Watchdog {
  readonly #timeoutMs: number | undefined;
  readonly #onTimeout: (generation: Generation, cycleMs: number, diagnosis: Diagnosis) => void;
  #generation: Generation | undefined;
  #timer: NodeJS.Timeout | undefined;
  #elu: EventLoopUtilization | undefined;

  constructor(timeoutMs: number | undefined, onTimeout: (generation: Generation, cycleMs: number, diagnosis: Diagnosis) => void) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
  }

  watch(generation: Generation): void {
    this.unwatch();
    if (this.#timeoutMs === undefined) return;
    this.#generation = generation;
    this.#elu = generation.worker.performance.eventLoopUtilization();
    const everyMs = Math.min(1000, Math.max(10, this.#timeoutMs / 4));
    this.#timer = setInterval(() => this.#check(), everyMs);
    this.#timer.unref();
  }

  unwatch(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#generation = undefined;
  }

  #check(): void {
    const generation = this.#generation;
    if (generation === undefined) return;
    const performance = generation.worker.performance;
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, this.#elu).utilization;
    this.#elu = now;
    const cycleMs = generation.cycleRunningMs();
    if (cycleMs === undefined || cycleMs <= this.#timeoutMs!) return;
    this.unwatch();
    this.#onTimeout(generation, cycleMs, utilization > 0.5 ? 'busy' : 'waiting');
  }
}
