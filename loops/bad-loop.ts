import { SuperLoop } from 'superloops';

/**
 * The other half: a loop that reports a failure every cycle. Past its
 * `max_loop_failures` it clears the green light, and the controller restarts
 * it and GoodLoop together as their next generation.
 */
export default class BadLoop extends SuperLoop<{ everyMs?: number }> {
  async cycle(): Promise<void> {
    await this.sleep(this.options.everyMs ?? 1000);
    if (this.signal.aborted) return; // woken by a stop: nothing failed
    this.logger.info(`${this.threadName} reports a failure`);
    this.failure();
  }
}
