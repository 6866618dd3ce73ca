import { SuperLoop } from 'superloops';

/** Every generation's first cycle spins in synchronous code forever: only terminate() stops it. */
export default class Spins extends SuperLoop {
  cycle(): void {
    // eslint-disable-next-line no-constant-condition
    while (true) {}
  }
}
