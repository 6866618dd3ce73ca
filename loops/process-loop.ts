import { SuperLoop } from 'superloops';

/**
 * The seed's first example: a loop that does one unit of work per cycle.
 * Here it drains a queue of jobs it makes up, and reports a summary now and then.
 */
export default class ProcessLoop extends SuperLoop<{ batchSize?: number; pauseMs?: number }> {
  #processed = 0;

  override onThreadStart(): void {
    this.logger.info({ batchSize: this.options.batchSize ?? 10 }, 'ProcessLoop ready');
  }

  async cycle(): Promise<void> {
    const batch = Array.from({ length: this.options.batchSize ?? 10 }, (_, i) => this.#processed + i);
    this.#processed += batch.reduce((n) => n + 1, 0);
    if (this.#processed % 1000 === 0) this.logger.info({ processed: this.#processed }, 'processed');
    await this.sleep(this.options.pauseMs ?? 100);
  }
}
