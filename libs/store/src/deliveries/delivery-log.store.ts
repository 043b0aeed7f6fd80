import type { ClickHouseClient } from '@clickhouse/client';
import type { DeliveryAttempt, DeliveryStatus } from '@ctxb/delivery';
import { clickHouseDateTime, fromClickHouseDateTime } from '../context-rows';
import { selectRows } from '../clickhouse-client';
import { joinSql, sql, type SqlFragment } from '../sql/sql';

/** Which entries to read; all given conditions hold. Newest first. */
export interface DeliveryLogFilter {
  contextReferenceId?: string;
  connector?: string;
  target?: string;
  status?: string;
  /** Entries at or after this time. */
  since?: Date;
  limit: number;
  offset?: number;
}

interface DeliveryRow {
  at: string;
  at_ms: number;
  connector: string;
  target: string;
  context_reference_id: string;
  version: number;
  order_id: string;
  job_id: string;
  attempt: number;
  status: string;
  record_ids: string[];
  failure_kind: string;
  error: string;
  duration_ms: number;
}

/** The delivery log in ClickHouse (table `deliveries`): every DeliveryAttempt the worker journals. */
export class DeliveryLogStore {
  constructor(private readonly client: ClickHouseClient) {}

  async write(entries: readonly DeliveryAttempt[]): Promise<void> {
    if (entries.length === 0) return;
    await this.client.insert({
      table: 'deliveries',
      format: 'JSONEachRow',
      values: entries.map((e): DeliveryRow => ({
        at: clickHouseDateTime(e.at.toISOString()),
        at_ms: e.at.getUTCMilliseconds(),
        connector: e.connector,
        target: e.target,
        context_reference_id: e.contextReferenceId,
        version: e.version,
        order_id: e.orderId,
        job_id: e.jobId,
        attempt: e.attempt,
        status: e.status,
        record_ids: e.recordIds,
        failure_kind: e.failureKind,
        error: e.error,
        duration_ms: Math.max(0, Math.round(e.durationMs)),
      })),
    });
  }

  async list(filter: DeliveryLogFilter): Promise<DeliveryAttempt[]> {
    const conditions: SqlFragment[] = [sql`1 = 1`];
    if (filter.contextReferenceId !== undefined)
      conditions.push(sql`context_reference_id = ${filter.contextReferenceId}`);
    if (filter.connector !== undefined) conditions.push(sql`connector = ${filter.connector}`);
    if (filter.target !== undefined) conditions.push(sql`target = ${filter.target}`);
    if (filter.status !== undefined) conditions.push(sql`status = ${filter.status}`);
    if (filter.since !== undefined)
      conditions.push(
        sql`at >= toDateTime(${clickHouseDateTime(filter.since.toISOString())}, 'UTC')`,
      );
    // 18.16 knows LIMIT offset, count (not LIMIT … OFFSET …).
    const rows = await selectRows<DeliveryRow>(
      this.client,
      sql`SELECT * FROM deliveries WHERE ${joinSql(conditions, ' AND ')}
        ORDER BY at DESC, at_ms DESC, attempt DESC
        LIMIT ${filter.offset ?? 0}, ${filter.limit}`,
    );
    return rows.map((r) => ({
      at: new Date(fromClickHouseDateTime(r.at) + Number(r.at_ms)),
      connector: r.connector,
      target: r.target,
      contextReferenceId: r.context_reference_id,
      version: Number(r.version),
      orderId: r.order_id,
      jobId: r.job_id,
      attempt: Number(r.attempt),
      status: r.status as DeliveryStatus,
      recordIds: r.record_ids,
      failureKind: r.failure_kind,
      error: r.error,
      durationMs: Number(r.duration_ms),
    }));
  }
}
