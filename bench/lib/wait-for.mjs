/**
 * Waits until `predicate` returns something truthy, checking every `everyMs`;
 * fails naming what it waited for once `timeoutMs` has passed. Only for state
 * nothing announces (a file growing, a stamp in shared memory); events are
 * awaited with `once` instead.
 */
export async function waitFor(predicate, { timeoutMs = 30_000, everyMs = 2, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The next `event` of `emitter` whose payload passes `filter`, or a failure
 * naming it after `timeoutMs`.
 * @template T
 * @param {import('node:events').EventEmitter} emitter
 * @param {string} event
 * @param {(payload: T) => boolean} [filter]
 * @returns {Promise<T>}
 */
export function nextEvent(emitter, event, filter = () => true, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`bench: timed out after ${timeoutMs} ms waiting for event ${event}`));
    }, timeoutMs);
    const listener = (payload) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    };
    emitter.on(event, listener);
  });
}
