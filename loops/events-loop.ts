import { isMainThread, threadId } from 'node:worker_threads';
import { SuperLoop } from 'superloops';

/** The seed's events example: says which hook runs, on which thread, so the order can be watched in the log. */
export default class EventsLoop extends SuperLoop {
  #say(hook: string, extra: Record<string, unknown> = {}): void {
    this.logger.info({ hook, threadName: this.threadName, threadId, isMainThread, ...extra }, `${hook} on ${this.threadName}`);
  }

  override onStart(...args: unknown[]): boolean {
    this.#say('onStart', { args });
    return true;
  }
  override onThreadStart(): void {
    this.#say('onThreadStart');
  }
  async cycle(): Promise<void> {
    await this.sleep(5000);
  }
  override onStop(...args: unknown[]): void {
    this.#say('onStop', { args });
  }
  override onThreadStop(): void {
    this.#say('onThreadStop');
  }
}
