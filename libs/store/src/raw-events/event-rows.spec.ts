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
