import { SuperLoop } from 'superloops';

interface ApiFeedOptions {
  /** The feed to poll. Without one the loop makes up its items (the example runs offline). */
  url?: string;
  /** A secret for the feed, from `${API_KEY}` in the manifest; never logged. */
  key?: string;
  pollMs?: number;
}

/**
 * The seed's ApiFeedLoop: polls a feed each cycle and reports a failure when a
 * poll goes wrong, so that repeated trouble trips the green light and the
 * controller resets every loop that depends on the feed.
 */
export default class ApiFeedLoop extends SuperLoop<ApiFeedOptions> {
  #polls = 0;

  async cycle(): Promise<void> {
    this.#polls++;
    try {
      const items = await this.#poll();
      this.logger.debug({ items: items.length, poll: this.#polls }, 'feed polled');
    } catch (err) {
      if (this.signal.aborted) return; // stopping: not a failure of the feed
      this.logger.warn({ err }, 'feed poll failed');
      this.failure();
    }
    await this.sleep(this.options.pollMs ?? 2000);
  }

  async #poll(): Promise<unknown[]> {
    if (this.options.url === undefined) return [{ id: this.#polls, at: new Date().toISOString() }];
    const response = await fetch(this.options.url, {
      signal: this.signal, // a stop cancels the request at once
      headers: this.options.key ? { authorization: `Bearer ${this.options.key}` } : {},
    });
    if (!response.ok) throw new Error(`feed answered ${response.status}`);
    return (await response.json()) as unknown[];
  }
}
