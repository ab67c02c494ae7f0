/**
 * Shares one lookup among the callers that ask for the same key in the same turn of the event loop:
 * the lookup is sent after the current I/O callbacks (setImmediate), so every caller that joined it
 * asked before it was sent and gets an answer at least as new as its own question. Under load this
 * turns many identical queries (the audit head, a table's pointer) into one.
 */
export class Coalescer<V> {
  private readonly waiting = new Map<string, Promise<V>>();

  /** The result of `lookup` (of the first caller of this turn) for `key`. */
  get(key: string, lookup: () => Promise<V>): Promise<V> {
    let shared = this.waiting.get(key);
    if (!shared) {
      shared = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Callers from now on start a lookup of their own: this one is on its way.
        this.waiting.delete(key);
        return lookup();
      });
      this.waiting.set(key, shared);
    }
    return shared;
  }
}
