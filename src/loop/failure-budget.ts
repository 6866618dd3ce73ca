/**
 * How many failures a loop may have. Pure: time is an argument.
 *
 * Without a window it is the seed's plain count; with one, only failures
 * younger than `windowMs` count. Exceeding the budget (one more than `max`)
 * empties it, as the seed sets its count back to 0.
 */
export class FailureBudget {
  readonly max: number;
  readonly windowMs: number | undefined;
  /** Times of the failures that still count, oldest first (only kept with a window). */
  #times: number[] = [];
  #count = 0;

  constructor(max: number, windowMs?: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Records a failure at `now`; true when it exceeds the budget (which then starts empty again). */
  record(now: number): boolean {
    if (this.windowMs === undefined) {
      this.#count++;
    } else {
      this.#times.push(now);
      this.#forget(now);
      this.#count = this.#times.length;
    }
    if (this.#count > this.max) {
      this.reset();
      return true;
    }
    return false;
  }

  /** Failures that count at `now`. */
  count(now: number): number {
    if (this.windowMs !== undefined) {
      this.#forget(now);
      this.#count = this.#times.length;
    }
    return this.#count;
  }

  reset(): void {
    this.#times = [];
    this.#count = 0;
  }

  #forget(now: number): void {
    const oldest = now - this.windowMs!;
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop]! <= oldest) drop++;
    if (drop > 0) this.#times.splice(0, drop);
  }
}
