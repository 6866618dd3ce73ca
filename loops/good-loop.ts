import { SuperLoop } from 'superloops';

/** Half of the seed's green-light example: a loop that only does its work. */
export default class GoodLoop extends SuperLoop {
  async cycle(): Promise<void> {
    this.logger.debug(`${this.threadName} is fine`);
    await this.sleep(1000);
  }
}
