import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { CloudEvent } from '@ctxb/events';
import { sql } from '../sql/sql';
import { tabSeparatedRows } from '../sql/tab-separated';
import { selectRows } from '../clickhouse-client';
import { EVENT_COLUMNS, type EventRow } from './event-rows';

/** Whose events a timeline shows: a device, a customer or an order (correlation id). */
export type TimelineOf =
  { anonymousId: string } | { customerId: string } | { correlationId: string };

/**
 * The raw events table: every valid event once it is archived. A redelivered event is written
 * again with the same key; reads take one row per (source, id), so repeats never show.
 */
export class RawEventStore {
  static readonly TABLE = 'events';

  constructor(private readonly client: ClickHouseClient) {}

  /**
   * Inserts rows as TabSeparated text: each event's JSON goes as it is, not escaped again
   * inside a JSON row (this was the archive's largest cost after reading the events).
   */
  async write(rows: readonly EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({
      table: RawEventStore.TABLE,
      format: 'TabSeparated',
      columns: EVENT_COLUMNS,
      values: Readable.from([tabSeparatedRows(rows, EVENT_COLUMNS)], { objectMode: false }),
    });
  }

  /** The events of one device, customer or order in time order, each once (at most `limit`). */
  async timeline(of: TimelineOf, limit = 1000): Promise<CloudEvent[]> {
    const where =
      'anonymousId' in of
        ? sql`anonymous_id = ${of.anonymousId}`
        : 'customerId' in of
          ? sql`customer_id = ${of.customerId}`
          : sql`correlation_id = ${of.correlationId}`;
    const rows = await selectRows<{ event: string }>(
      this.client,
      sql`SELECT event FROM events WHERE ${where}
        ORDER BY time, time_ms, source, id LIMIT 1 BY source, id LIMIT ${limit}`,
    );
    return rows.map((r) => JSON.parse(r.event) as CloudEvent);
  }

  /** Distinct events stored (each (source, id) once). */
  async count(): Promise<number> {
    const [row] = await selectRows<{ n: string }>(
      this.client,
      sql`SELECT uniqExact(source, id) AS n FROM events`,
    );
    return Number(row.n);
  }
}
