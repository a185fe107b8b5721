import type { EventName, EventPayload } from '../../shared/bridge.ts';

type Listener<K extends EventName> = (payload: EventPayload<K>) => void;

/** Listeners of bridge events by name; one failing listener never stops the others. */
export class Listeners {
  private readonly byName = new Map<EventName, Set<(payload: never) => void>>();

  add<K extends EventName>(event: K, listener: Listener<K>): () => void {
    // A wrapper per subscription, so the same function subscribed twice is removed once per unsubscribe.
    const wrapped = (payload: EventPayload<K>): void => listener(payload);
    let set = this.byName.get(event);
    if (!set) this.byName.set(event, (set = new Set()));
    set.add(wrapped as (payload: never) => void);
    return () => void set.delete(wrapped as (payload: never) => void);
  }

  emit<K extends EventName>(event: K, payload: EventPayload<K>): void {
    for (const listener of this.byName.get(event) ?? []) {
      try {
        (listener as Listener<K>)(payload);
      } catch (err) {
        console.error(`A listener of the '${event}' event failed:`, err);
      }
    }
  }
}
