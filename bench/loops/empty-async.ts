import { SuperLoop } from 'superloops';

/** An async cycle that does nothing: what the driver costs when it must await a promise each cycle. */
export default class EmptyAsync extends SuperLoop {
  async cycle(): Promise<void> {}
}
