import type { ClickHouseClient } from '@clickhouse/client';
import { selectRows } from '../clickhouse-client';
import { joinSql, sql, type SqlFragment } from '../sql/sql';

/** Orders placed from (inclusive, when given) … to (exclusive). */
export interface PlacedPeriod {
  from?: Date;
  to: Date;
}

/** The condition on `placed_at` that keeps the period's orders. */
export function placedWithin(period: PlacedPeriod): SqlFragment {
  return period.from
    ? sql`placed_at >= ${period.from} AND placed_at < ${period.to}`
    : sql`placed_at < ${period.to}`;
}

/**
 * The newest summary row of each context placed in the period, with `columns`, as a SELECT to
 * use as a subquery: replays and superseded versions never count.
 */
export type NewestSummaries = (columns: SqlFragment, period: PlacedPeriod) => SqlFragment;

/**
 * How context_latest's month partitions stand: those held in one merged part have one row per
 * context already (a merge keeps only a context's highest version), the others need FINAL.
 */
export interface LatestLayout {
  /** The one part of each merged partition. */
  mergedParts: string[];
  /** Months (YYYYMM) in several parts, or in one part no merge has gone over yet. */
  openMonths: number[];
}

/**
 * Every context's newest row through FINAL, whatever merges have done. Correct at any moment,
 * but FINAL on 18.16 merges every part of the period in one stream: seconds at 10M contexts.
 */
export const newestByFinal: NewestSummaries = (columns, period) =>
  sql`SELECT ${columns} FROM context_latest FINAL WHERE ${placedWithin(period)}`;

/**
 * The same rows, reading merged partitions as they are and only the open months with FINAL:
 * a plain scan for most of a long period. Valid while the layout's merged parts are active.
 */
export function newestByLayout(layout: LatestLayout): NewestSummaries {
  return (columns, period) => {
    const within = placedWithin(period);
    const merged = layout.mergedParts.length
      ? sql`SELECT ${columns} FROM context_latest
          WHERE ${within} AND _part IN (${joinSql(layout.mergedParts.map((p) => sql`${p}`))})`
      : undefined;
    const open = layout.openMonths.length
      ? sql`SELECT ${columns} FROM context_latest FINAL
          WHERE ${within} AND toYYYYMM(placed_at) IN (${joinSql(layout.openMonths.map((m) => sql`${m}`))})`
      : undefined;
    if (merged && open) return sql`${merged} UNION ALL ${open}`;
    return merged ?? open ?? newestByFinal(columns, period);
  };
}

/** context_latest's partitions now (a look at system.parts). */
export async function latestLayout(client: ClickHouseClient): Promise<LatestLayout> {
  const parts = await selectRows<{ name: string; partition_id: string; level: number }>(
    client,
    sql`SELECT name, partition_id, level FROM system.parts
      WHERE database = currentDatabase() AND table = 'context_latest' AND active`,
  );
  const byPartition = new Map<string, typeof parts>();
  for (const part of parts)
    byPartition.set(part.partition_id, [...(byPartition.get(part.partition_id) ?? []), part]);
  const layout: LatestLayout = { mergedParts: [], openMonths: [] };
  for (const [partition, of] of byPartition) {
    // One insert's part may hold a context twice (18.16 does not collapse on insert).
    if (of.length === 1 && Number(of[0].level) > 0) layout.mergedParts.push(of[0].name);
    else layout.openMonths.push(Number(partition));
  }
  layout.mergedParts.sort();
  layout.openMonths.sort((a, b) => a - b);
  return layout;
}

/** Whether all these parts are still active: parts never come back once merged away. */
async function stillActive(client: ClickHouseClient, parts: string[]): Promise<boolean> {
  if (parts.length === 0) return true;
  const [{ n }] = await selectRows<{ n: string | number }>(
    client,
    sql`SELECT count() AS n FROM system.parts
      WHERE database = currentDatabase() AND table = 'context_latest' AND active
        AND name IN (${joinSql(parts.map((p) => sql`${p}`))})`,
  );
  return Number(n) === parts.length;
}

const LAYOUT_ATTEMPTS = 3;

/**
 * Runs `read` over the newest summaries by the current layout of context_latest. Each query
 * reads the parts active when it starts; if a merged part it names was merged away by then,
 * its rows would be missing, so the layout is checked again afterwards (an inactive part never
 * returns: still active after means active throughout) and the read repeated on a new layout,
 * at last through FINAL alone. A part written into a merged partition after the layout was
 * taken waits for the next read: its contexts count once, at the version they had a moment
 * earlier.
 */
export async function readingNewest<T>(
  client: ClickHouseClient,
  read: (newest: NewestSummaries) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    const layout = await latestLayout(client);
    const result = await read(newestByLayout(layout));
    if (await stillActive(client, layout.mergedParts)) return result;
  }
  return read(newestByFinal);
}

/** The references of the contexts placed in the period, to narrow other tables with IN. */
export function referencesPlaced(period: PlacedPeriod): SqlFragment {
  return sql`SELECT context_reference_id FROM context_latest WHERE ${placedWithin(period)}`;
}
