import type { ClickHouseClient } from '@clickhouse/client';
import { Topic, type CloudEvent } from '@ctxb/events';
import { joinSql, sql } from '../sql/sql';

/** The topics a journey is made of: behaviour, and the order that ends it. */
const JOURNEY_TOPICS = [Topic.CustomerJourney, Topic.OrderLifecycle];

/**
 * Every device's archived behaviour and orders inside the period, each event once, handed
 * over a device at a time (streamed in device order, so memory holds one device's events).
 * A journey here is a device: a customer on two devices counts as two.
 */
export async function forEachDeviceJourney(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  journey: (events: CloudEvent[]) => void,
): Promise<void> {
  const result = await client.query({
    query: sql`SELECT anonymous_id, event FROM events
      WHERE time >= ${period.from} AND time < ${period.to} AND anonymous_id != ''
        AND topic IN (${joinSql(JOURNEY_TOPICS.map((t) => sql`${t}`))})
      ORDER BY anonymous_id, time, time_ms, source, id
      LIMIT 1 BY source, id`.text,
    format: 'JSONEachRow',
  });
  let device: string | undefined;
  let events: CloudEvent[] = [];
  for await (const rows of result.stream<{ anonymous_id: string; event: string }>()) {
    for (const row of rows) {
      const { anonymous_id, event } = row.json();
      if (anonymous_id !== device) {
        if (events.length > 0) journey(events);
        device = anonymous_id;
        events = [];
      }
      events.push(JSON.parse(event) as CloudEvent);
    }
  }
  if (events.length > 0) journey(events);
}
