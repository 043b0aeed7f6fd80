import { hourStart, LAKE_DATASETS, type LakeDataset } from './lake-layout';

/**
 * The hours of each lake dataset that gained rows in the store since the last export: the
 * writers (the raw-event archive, the context sink) add the instants of what they inserted,
 * the exporter takes them, and gives them back when its pass fails.
 */
export class LakeChanges {
  private pending = new Map<LakeDataset, Set<number>>(LAKE_DATASETS.map((d) => [d, new Set()]));

  add(dataset: LakeDataset, instants: Iterable<number>): void {
    const hours = this.pending.get(dataset)!;
    for (const at of instants) if (Number.isFinite(at)) hours.add(hourStart(at));
  }

  get size(): number {
    let n = 0;
    for (const hours of this.pending.values()) n += hours.size;
    return n;
  }

  /** Everything pending, which is cleared. */
  take(): Map<LakeDataset, Set<number>> {
    const taken = this.pending;
    this.pending = new Map(LAKE_DATASETS.map((d) => [d, new Set()]));
    return taken;
  }

  /** Hours taken by a pass that failed: pending again. */
  giveBack(taken: ReadonlyMap<LakeDataset, ReadonlySet<number>>): void {
    for (const [dataset, hours] of taken) this.add(dataset, hours);
  }
}
