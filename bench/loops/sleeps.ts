import { SuperLoop } from 'superloops';
import { stampFirstCycle, type StampOptions } from './stamp.js';

/**
 * An idle loop: each cycle sleeps `sleepMs` (default 1000) through this.sleep,
 * which a stop wakes at once. With `stamps`, its first cycle in each generation
 * writes a timestamp the bench reads.
 */
export default class Sleeps extends SuperLoop<StampOptions> {
  #first = true;
  async cycle(): Promise<void> {
    if (this.#first) {
      this.#first = false;
      stampFirstCycle(this.options, this.generation);
    }
    await this.sleep(this.options?.sleepMs ?? 1000);
  }
}
