const MINUTE = 60_000;

/**
 * Whether SeenEvents still holds an event at `at` after `forgetBefore(from)` (times are kept
 * in whole minutes, so the cut is at `from`'s minute). A null `from`: nothing forgotten yet.
 */
export function stillSeenAfter(at: number, from: number | null): boolean {
  return from === null || Math.floor(at / MINUTE) >= Math.floor(from / MINUTE);
}

/**
 * The events an engine has folded in, by (source, id) — the CloudEvents identity — with their
 * event times, so a repeat is dropped and old entries can be let go. Kept per source so a
 * lookup hashes the event's own id string rather than a freshly joined key. Times are kept in
 * whole minutes (small integers, stored unboxed): an entry is let go up to a minute later.
 */
export class SeenEvents {
  private readonly bySource = new Map<string, Map<string, number>>();
  private count = 0;
  /** The earliest minute held (a sweep finding none older walks nothing). */
  private oldest = Number.POSITIVE_INFINITY;
  /** Most events come from the source before them: its ids are found without hashing it. */
  private lastSource: string | undefined;
  private lastIds: Map<string, number> | undefined;

  get size(): number {
    return this.count;
  }

  has(source: string, id: string): boolean {
    return this.ids(source)?.has(id) ?? false;
  }

  add(source: string, id: string, at: number): void {
    let ids = this.ids(source);
    if (!ids) {
      ids = new Map();
      this.bySource.set(source, ids);
      this.lastSource = source;
      this.lastIds = ids;
    }
    const minute = Math.floor(at / MINUTE);
    const size = ids.size;
    ids.set(id, minute);
    if (ids.size !== size) this.count++;
    if (minute < this.oldest) this.oldest = minute;
  }

  private ids(source: string): Map<string, number> | undefined {
    if (source === this.lastSource) return this.lastIds;
    const ids = this.bySource.get(source);
    if (ids) {
      this.lastSource = source;
      this.lastIds = ids;
    }
    return ids;
  }

  /** Forgets every event older than `from`. */
  forgetBefore(from: number): void {
    const minute = Math.floor(from / MINUTE);
    if (this.oldest >= minute) return;
    this.lastSource = undefined;
    this.lastIds = undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [source, ids] of this.bySource) {
      for (const [id, at] of ids)
        if (at < minute) {
          ids.delete(id);
          this.count--;
        } else if (at < oldest) oldest = at;
      if (ids.size === 0) this.bySource.delete(source);
    }
    this.oldest = oldest;
  }

  /** As `[source NUL id, time]` pairs (the snapshot form), those `keep` accepts. */
  entries(keep: (key: string) => boolean = () => true): [string, number][] {
    const out: [string, number][] = [];
    for (const [source, ids] of this.bySource)
      for (const [id, at] of ids) {
        const key = `${source}\u0000${id}`;
        if (keep(key)) out.push([key, at * MINUTE]);
      }
    return out;
  }

  /** `add` by the `source NUL id` key. */
  addKey(key: string, at: number): void {
    const split = key.indexOf('\u0000');
    this.add(key.slice(0, split), key.slice(split + 1), at);
  }

  static fromEntries(entries: readonly [string, number][]): SeenEvents {
    const seen = new SeenEvents();
    for (const [key, at] of entries) seen.addKey(key, at);
    return seen;
  }
}
