import { sql, type SqlFragment } from '../sql/sql';

/** Orders placed from (inclusive, when given) … to (exclusive). */
export interface PlacedPeriod {
  from?: Date;
  to: Date;
}

function placedWithin(period: PlacedPeriod): SqlFragment {
  return period.from
    ? sql`placed_at >= ${period.from} AND placed_at < ${period.to}`
    : sql`placed_at < ${period.to}`;
}

/**
 * The newest summary row of each context placed in the period, with `columns`: context_latest
 * FINAL keeps one row per context, its highest version, whatever merges have done (replays
 * and superseded versions never count).
 */
export function newestSummaries(columns: SqlFragment, period: PlacedPeriod): SqlFragment {
  return sql`SELECT ${columns} FROM context_latest FINAL WHERE ${placedWithin(period)}`;
}

/** The references of the contexts placed in the period, to narrow other tables with IN. */
export function referencesPlaced(period: PlacedPeriod): SqlFragment {
  return sql`SELECT context_reference_id FROM context_latest WHERE ${placedWithin(period)}`;
}
