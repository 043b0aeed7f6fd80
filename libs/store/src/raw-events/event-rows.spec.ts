import fc from 'fast-check';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { valuesRows } from '../sql/values-rows';
import { EVENT_COLUMNS, eventLines, eventRow } from './event-rows';

describe('eventRow', () => {
  it('keeps the event whole and its instant in UTC, with the milliseconds apart', () => {
    const event = exampleEvent('page.viewed', {
      time: '2026-03-14T17:05:00.250+01:00',
      anonymousid: 'anon-1',
    });
    const row = eventRow(event, 'customer-journey');
    expect(row).toMatchObject({
      time: '2026-03-14 16:05:00',
      time_ms: 250,
      anonymous_id: 'anon-1',
      customer_id: event.customerid ?? '',
      type: 'page.viewed',
      topic: 'customer-journey',
    });
    expect(JSON.parse(row.event)).toEqual(event);
  });

  it.each([
    ['2026-03-14T16:05:00Z', '2026-03-14 16:05:00', 0],
    ['2026-03-14T16:05:00.999999Z', '2026-03-14 16:05:00', 999],
    ['2026-03-14T23:30:00.5-01:00', '2026-03-15 00:30:00', 500],
    ['2016-12-31T23:59:60.250Z', '2017-01-01 00:00:00', 250],
  ])('stores %s as %s and %i ms', (time, stored, ms) => {
    const row = eventRow(exampleEvent('page.viewed', { time }), 'customer-journey');
    expect([row.time, row.time_ms]).toEqual([stored, ms]);
  });

  it('leaves absent extensions empty, not "undefined"', () => {
    const bare = exampleEvent('order.placed');
    delete bare.anonymousid;
    delete bare.customerid;
    delete bare.correlationid;
    const row = eventRow(bare, 'order-lifecycle');
    expect([row.anonymous_id, row.customer_id, row.correlation_id]).toEqual(['', '', '']);
  });

  it('keeps the JSON the event came as, when given', () => {
    const event = exampleEvent('page.viewed');
    const json = JSON.stringify(event, null, 2);
    expect(eventRow(event, 'customer-journey', json).event).toBe(json);
  });
});

describe('eventLines', () => {
  /** What the rows path writes for the same events: the reference the bytes must match. */
  const asRows = (events: { event: CloudEvent; json?: string }[], topic: string) =>
    Buffer.from(
      valuesRows(
        events.map(({ event, json }) => eventRow(event, topic, json)),
        EVENT_COLUMNS,
      ),
    );

  it('writes the bytes valuesRows writes, events taken from their records (property)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, text, fc.boolean()), { minLength: 1, maxLength: 5 }),
        (specs) => {
          const events = specs.map(([id, title, pretty]) => {
            const event = exampleEvent('page.viewed', {
              id: `e-${id}`,
              time: '2026-03-14T17:05:00.250+01:00',
              anonymousid: `a\t${id}`,
            });
            event.data.title = title;
            const json = JSON.stringify(event, null, pretty ? '\t' : undefined);
            return { event, json, value: Buffer.from(json) };
          });
          expect(
            eventLines(events, 'customer-journey').text.equals(asRows(events, 'customer-journey')),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takes the text as read when the record is not valid UTF-8, and JSON without either', () => {
    const event = exampleEvent('page.viewed');
    const value = Buffer.concat([
      Buffer.from(JSON.stringify(event).slice(0, -1)),
      Buffer.from([0xff, 0x7d]),
    ]);
    const json = value.toString();
    expect(
      eventLines([{ event, value, json }], 't').text.equals(asRows([{ event, json }], 't')),
    ).toBe(true);
    expect(json).toContain('\ufffd');
    expect(eventLines([{ event }], 't').text.equals(asRows([{ event }], 't'))).toBe(true);
  });

  it('names the hours its rows fall in', () => {
    const at = (time: string) => ({ event: exampleEvent('page.viewed', { time }) });
    const { hours } = eventLines(
      [at('2026-03-14T16:05:00Z'), at('2026-03-14T16:59:59Z'), at('2026-03-14T18:30:00+01:00')],
      't',
    );
    expect([...hours]).toEqual(['2026-03-14 16', '2026-03-14 17']);
  });
});
