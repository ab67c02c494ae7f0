/**
 * Shares one lookup among the callers that ask for the same key, without ever answering a caller
 * with a lookup sent before it asked. A caller joins the next lookup of its key: the one that starts
 * after the current I/O callbacks (setImmediate) when none is under way, else the one that starts as
 * soon as the lookup under way has come back. Every caller so gets an answer at least as new as its
 * own question, and under load a key is looked up at most once per round trip, however many callers
 * ask (the audit head, a table's pointer).
 */
export class Coalescer<V> {
  private readonly keys = new Map<string, { inFlight?: Promise<V>; next?: Promise<V> }>();

  /** The result of a `lookup` (of the first caller to join it) for `key`, sent after this call. */
  get(key: string, lookup: () => Promise<V>): Promise<V> {
    let state = this.keys.get(key);
    if (!state) {
      state = {};
      this.keys.set(key, state);
    }
    if (state.next) return state.next;
    const s = state;
    const prior = s.inFlight;
    const after = prior
      ? prior.then(
          () => undefined,
          () => undefined,
        )
      : new Promise<void>((resolve) => setImmediate(resolve));
    const next = after.then(() => {
      // From now on, callers wait for the lookup after this one.
      s.next = undefined;
      const sent = lookup();
      s.inFlight = sent;
      const settle = () => {
        if (s.inFlight !== sent) return;
        s.inFlight = undefined;
        if (!s.next && this.keys.get(key) === s) this.keys.delete(key);
      };
      sent.then(settle, settle);
      return sent;
    });
    s.next = next;
    return next;
  }
}
