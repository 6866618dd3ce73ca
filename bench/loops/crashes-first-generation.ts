import { SuperLoop } from 'superloops';
import { CRASH_AT, nowMs, stampFirstCycle, type StampOptions } from './stamp.js';

/**
 * Generation 0 kills its worker in its first cycle (process.exit(1) ends only
 * the worker), stamping the moment just before; later generations stamp their
 * first cycle and then idle, sleeping 1 s per cycle.
 */
export default class CrashesFirstGeneration extends SuperLoop<StampOptions> {
  #first = true;
  async cycle(): Promise<void> {
    if (this.generation === 0) {
      if (this.options?.stamps) new Float64Array(this.options.stamps)[CRASH_AT] = nowMs();
      process.exit(1);
    }
    if (this.#first) {
      this.#first = false;
      stampFirstCycle(this.options, this.generation);
    }
    await this.sleep(1000);
  }
}
