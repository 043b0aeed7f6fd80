import { exampleEvent } from '@ctxb/events';
import { eventRow } from './event-rows';

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
