import fc from 'fast-check';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import {
  ContextRecordStore,
  EVENT_COLUMNS,
  eventRow,
  identifier,
  joinSql,
  RawEventStore,
  selectRows,
  sql,
  type EventRow,
} from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { uniqueName } from '../support/test-config';

/**
 * The raw events table written as TabSeparated text, against the real server (18.16 here;
 * current ClickHouse in Docker): every column comes back as exactly what was written,
 * whatever characters the event's fields and JSON hold.
 */
describe('raw event store on ClickHouse', () => {
  const database = new ClickHouseTestDatabase('it_raw_events');
  const { client } = database;
  const store = new RawEventStore(client);
  const run = uniqueName('ev');
  let written = 0;

  beforeAll(async () => {
    await database.create();
    await new ContextRecordStore(client).ensureSchema();
  });
  afterAll(() => database.drop());

  /** Writes the rows and reads them back, every column, in the order written. */
  async function roundTrip(rows: EventRow[]): Promise<EventRow[]> {
    await store.write(rows);
    const ids = rows.map((r) => r.id);
    const back = await selectRows<EventRow>(
      client,
      sql`SELECT ${joinSql(EVENT_COLUMNS.map(identifier))} FROM events WHERE has(${ids}, id)`,
    );
    const byId = new Map(back.map((r) => [r.id, { ...r, time_ms: Number(r.time_ms) }]));
    return rows.map((r) => byId.get(r.id)!);
  }

  it('keeps hostile text in every string column, and pretty-printed JSON as it came', async () => {
    const hostile = [
      '\t',
      '\n',
      '\r\n',
      '\\',
      '\\t',
      '\\N',
      '\0',
      'a\tb\\nc',
      '😀 注文 café',
      '"\'`',
    ];
    const rows = hostile.map((text, i) => {
      const event = exampleEvent('page.viewed', {
        id: `${run}-h${i}-${text}`,
        source: `https://shop.example.com/${text}`,
        anonymousid: text,
        customerid: `c${text}`,
        correlationid: `o${text}`,
      });
      return eventRow(event, 'customer-journey', JSON.stringify(event, null, '\t'));
    });
    written += rows.length;
    expect(await roundTrip(rows)).toEqual(rows);
    // A timeline returns the events themselves.
    const [first] = await store.timeline({ anonymousId: '\t' });
    expect(first.id).toBe(`${run}-h0-\t`);
  });

  it('returns any text exactly (property)', async () => {
    // Lone surrogates excepted: no UTF-8 text holds one (see tabSeparatedField).
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, text, text), { minLength: 1, maxLength: 20 }),
        async (values) => {
          const rows = values.map(([a, b, c], i) => {
            const event: CloudEvent = exampleEvent('page.viewed', {
              id: `${run}-p${written + i}-${a}`,
              anonymousid: b,
              correlationid: c,
            });
            return eventRow(event, 'customer-journey', `${JSON.stringify(event)}${a}`);
          });
          written += rows.length;
          expect(await roundTrip(rows)).toEqual(rows);
        },
      ),
      { numRuns: 40 },
    );
  });
});
