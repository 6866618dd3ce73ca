/**
 * Restart intensity, as Erlang/OTP's supervisors have it: more than `max`
 * global resets within `windowMs` means restarting does not help. Pure: time
 * is an argument.
 */
export class ResetIntensity {
  readonly max: number;
  readonly windowMs: number;
  #times: number[] = [];

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Records a reset at `now`; true when it is one too many (the controller should give up instead). */
  record(now: number): boolean {
    this.#times = this.#times.filter((t) => t > now - this.windowMs);
    this.#times.push(now);
    return this.#times.length > this.max;
  }

  /** Resets within the window at `now`. */
  count(now: number): number {
    return this.#times.filter((t) => t > now - this.windowMs).length;
  }
}
