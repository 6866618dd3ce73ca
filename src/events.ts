import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and payloads are checked by the compiler. */
export class TypedEmitter<Events extends Record<string, unknown>> extends EventEmitter {
  override on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    return super.on(event, listener);
  }
  override once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    return super.once(event, listener);
  }
  override off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    return super.off(event, listener);
  }
  override emit<K extends keyof Events & string>(event: K, payload: Events[K]): boolean {
    return super.emit(event, payload);
  }
}
