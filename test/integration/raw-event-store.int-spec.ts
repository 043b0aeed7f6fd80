import fc from 'fast-check';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import {
  ContextRecordStore,
  EVENT_COLUMNS,
  eventLines,
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
 * The raw events table written as Values rows, against the real server (18.16 here;
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

  /** Writes the rows (unless written already) and reads them back, every column, in order. */
  async function roundTrip(rows: EventRow[], write = true): Promise<EventRow[]> {
    if (write) await store.write(rows);
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
    // Lone surrogates excepted: no UTF-8 text holds one (see valuesField).
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

  it('stores lines made from record bytes as the rows they stand for', async () => {
    const hostile = ['\t', '\n', '\\', '\\N', '\0', '😀 注文 café', '"\'`'];
    const events = hostile.map((text, i) => {
      const event = exampleEvent('page.viewed', {
        id: `${run}-b${i}-${text}`,
        anonymousid: text,
        correlationid: `o${text}`,
      });
      const json = JSON.stringify(event, null, i % 2 === 0 ? '\t' : undefined);
      return { event, json, value: Buffer.from(json) };
    });
    // A record that is not valid UTF-8 is kept as it was read (U+FFFD for the bad byte).
    const broken = exampleEvent('page.viewed', { id: `${run}-b-broken` });
    const value = Buffer.concat([Buffer.from(JSON.stringify(broken)), Buffer.from([0xff])]);
    events.push({ event: broken, json: value.toString(), value });

    const { text } = eventLines(events, 'customer-journey');
    // In two parts, as two intake batches go in one insert.
    const cut = text.indexOf(0x0a) + 1;
    await store.writeLines([text.subarray(0, cut), text.subarray(cut)]);
    written += events.length;
    const rows = events.map(({ event, json }) => eventRow(event, 'customer-journey', json));
    expect(await roundTrip(rows, false)).toEqual(rows);
  });
});
