import type { ClickHouseClient } from '@clickhouse/client';
import { selectRows } from '../clickhouse-client';
import { sql } from '../sql/sql';

/** A month partition of context_latest merged into one part. */
export interface CompactedMonth {
  partition: string;
  /** The parts it was in. */
  parts: number;
  rows: number;
}

/**
 * Merges each month of context_latest that has settled (no part newer than `quietMs`) but is
 * still in several parts, or in one part no merge has gone over, into one merged part
 * (OPTIMIZE … FINAL): roll-ups then read that month without FINAL (see readingNewest). A
 * month still being written is left alone; it is read with FINAL meanwhile. One month at a
 * time, oldest first, so the merges never take more than one of ClickHouse's threads.
 */
export async function compactSettledMonths(
  client: ClickHouseClient,
  options: { quietMs: number },
): Promise<CompactedMonth[]> {
  const months = await selectRows<{ partition_id: string; parts: string; total: string }>(
    client,
    sql`SELECT partition_id, count() AS parts, sum(rows) AS total
      FROM system.parts
      WHERE database = currentDatabase() AND table = 'context_latest' AND active
      GROUP BY partition_id
      HAVING (parts > 1 OR min(level) = 0)
        AND max(modification_time) <= now() - ${Math.ceil(options.quietMs / 1000)}
      ORDER BY partition_id`,
  );
  const compacted: CompactedMonth[] = [];
  for (const month of months) {
    await client.command({
      query: sql`OPTIMIZE TABLE context_latest PARTITION ID ${month.partition_id} FINAL`.text,
    });
    compacted.push({
      partition: month.partition_id,
      parts: Number(month.parts),
      rows: Number(month.total),
    });
  }
  return compacted;
}
