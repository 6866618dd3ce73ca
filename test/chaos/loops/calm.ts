import { SuperLoop } from 'superloops';

/**
 * The soak's well-behaved loop. It injects nothing; every reload changes it, so
 * the reload removes it while it runs, and the driver fires start, restart and
 * hard-reset at it during that removal. Its slow (but cooperative) onStop
 * keeps the removal open long enough for those commands to land inside it.
 */
export default class Calm extends SuperLoop<{ epoch: number; cycleMs: number; stopDelayMs: number }> {
  override onStart(): void {
    this.logger.info({ hello: -1, epoch: this.options.epoch }, 'calm loop starting');
  }

  async cycle(): Promise<void> {
    await this.sleep(this.options.cycleMs);
  }

  override async onStop(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.options.stopDelayMs));
  }
}
