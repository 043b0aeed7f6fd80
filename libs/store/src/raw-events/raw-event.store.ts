import type { ClickHouseClient } from '@clickhouse/client';
import type { CloudEvent } from '@ctxb/events';
import { sql } from '../sql/sql';
import { insertRows, insertRowsText, selectRows } from '../clickhouse-client';
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

  async write(rows: readonly EventRow[]): Promise<void> {
    await insertRows(this.client, RawEventStore.TABLE, EVENT_COLUMNS, rows);
  }

  /** Rows written already as Values text (see eventLines), in parts of whole rows. */
  async writeLines(parts: readonly Buffer[]): Promise<void> {
    await insertRowsText(this.client, RawEventStore.TABLE, EVENT_COLUMNS, parts);
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
