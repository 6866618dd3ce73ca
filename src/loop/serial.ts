/**
 * A queue of concurrency 1: lifecycle commands on one loop run one after
 * another, so a stop never interleaves with a start or a hard reset. A command
 * that fails does not block the ones behind it.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  run<T>(command: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(command);
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }

  /** Commands queued or running. */
  get pending(): number {
    return this.#pending;
  }
}
