import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SuperLoop } from 'superloops';

/** How often the count file is rewritten: often enough to bound the unknown, rarely enough to cost nothing. */
const COUNT_EVERY = 4096;

/**
 * Logs as fast as it can through this.logger: one line per cycle, each with
 * this loop's sequence number, so the bench can count lines that never reached
 * the daemon's stdout. How many it has sent goes to `<countDir>/<name>.count`,
 * written from this thread every 4096 lines and when it stops, so the count
 * does not depend on the daemon writing its log backlog (or even on onStop
 * running, if the daemon has to be killed).
 */
export default class LogsFast extends SuperLoop<{ countDir?: string }> {
  #seq = 0;
  cycle(): void {
    this.logger.info({ seq: this.#seq++ }, 'Bench line');
    if (this.#seq % COUNT_EVERY === 0) this.#writeCount();
  }
  override onStop(): void {
    this.logger.info({ sent: this.#seq }, 'Bench lines sent');
    this.#writeCount();
  }
  #writeCount(): void {
    if (this.options?.countDir) writeFileSync(path.join(this.options.countDir, `${this.name}.count`), String(this.#seq));
  }
}
