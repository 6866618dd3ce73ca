import { SuperLoop } from 'superloops';

/** The cheapest possible loop: a synchronous cycle that does nothing. */
export default class EmptySync extends SuperLoop {
  cycle(): void {}
}
