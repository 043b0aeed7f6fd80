import type { ClickHouseClient } from '@clickhouse/client';
import type { ContextRecord } from '@ctxb/context';
import { migrate } from './migrations/migrator';
import { STORE_MIGRATIONS } from './migrations/store-migrations';

/** One row per (contextReferenceId, version): the whole record as JSON plus the keys to find it. */
export interface ContextRecordRow {
  context_reference_id: string;
  version: number;
  order_id: string;
  customer_id: string;
  as_of: string;
  record: string;
}

/** `2026-03-14T16:05:00.000Z` → `2026-03-14 16:05:00` (DateTime, UTC; works on 18.16 too). */
export function clickHouseDateTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

/**
 * Context record versions in ClickHouse. Writes are idempotent: the table collapses rows of
 * the same (contextReferenceId, version), so replaying the engine after a crash writes the same
 * rows again without creating duplicates. Reads that must not see duplicates before a merge
 * use FINAL or group by the key.
 */
export class ContextRecordStore {
  static readonly TABLE = 'context_records';

  constructor(private readonly client: ClickHouseClient) {}

  /** Brings the database's schema up to date (see STORE_MIGRATIONS). */
  async ensureSchema(): Promise<void> {
    await migrate(this.client, STORE_MIGRATIONS);
  }

  async write(records: readonly ContextRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.client.insert({
      table: ContextRecordStore.TABLE,
      format: 'JSONEachRow',
      values: records.map((r): ContextRecordRow => ({
        context_reference_id: r.contextReferenceId,
        version: r.version,
        order_id: r.order.orderId,
        customer_id: r.order.customerId ?? '',
        as_of: clickHouseDateTime(r.asOf),
        record: JSON.stringify(r),
      })),
    });
  }

  /** Every stored version, each (reference, version) once, for replays and checks. */
  async allVersions(): Promise<{ contextReferenceId: string; version: number; record: string }[]> {
    const result = await this.client.query({
      query: `SELECT context_reference_id, version, any(record) AS content, uniqExact(record) AS variants
        FROM ${ContextRecordStore.TABLE}
        GROUP BY context_reference_id, version
        ORDER BY context_reference_id, version`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{
      context_reference_id: string;
      version: number;
      content: string;
      variants: string | number;
    }>();
    return rows.map((row) => {
      if (Number(row.variants) !== 1)
        throw new Error(
          `${row.context_reference_id} v${row.version} was stored with ${row.variants} different contents`,
        );
      return {
        contextReferenceId: row.context_reference_id,
        version: Number(row.version),
        record: row.content,
      };
    });
  }
}
