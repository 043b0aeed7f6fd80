/** What the lake keeps: raw events and context record versions, each in its own folder. */
export const LAKE_DATASETS = ['events', 'context_records'] as const;
export type LakeDataset = (typeof LAKE_DATASETS)[number];

export const HOUR_MS = 3_600_000;

/** The start of the UTC hour holding `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** `dt=2026-03-14/hour=16`: Hive-style, so Spark, DuckDB, Trino and Athena read the partitions. */
export function hourPartition(hour: number): string {
  const iso = new Date(hourStart(hour)).toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/** One file per dataset and hour, rewritten whole when the hour gains rows. */
export function lakeFile(dataset: LakeDataset, hour: number): string {
  return `${dataset}/${hourPartition(hour)}/part-00000.parquet`;
}

const FILE = /^(events|context_records)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/part-\d+\.parquet$/;

/** The dataset and hour of a lake file's path, or undefined for anything else. */
export function parseLakeFile(path: string): { dataset: LakeDataset; hour: number } | undefined {
  const m = FILE.exec(path);
  if (!m) return undefined;
  const hour = Date.parse(`${m[2]}T${m[3]}:00:00Z`);
  if (Number.isNaN(hour) || hourPartition(hour) !== `dt=${m[2]}/hour=${m[3]}`) return undefined;
  return { dataset: m[1] as LakeDataset, hour };
}
