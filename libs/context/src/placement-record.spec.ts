import { exampleEvent } from '@ctxb/events';
import { ORDER_12345, order12345Events } from '@ctxb/simulation';
import { contextReferenceId } from './context-reference';
import { PLACEMENT_VERSION, placementRecord } from './placement-record';
import { order12345Records } from '../../../test/support/order-12345-records';

describe('placementRecord: version 0, from the order event alone', () => {
  const placed = order12345Events().find((e) => e.type === 'order.placed')!;

  it("carries the order's reference and facts, below every version the engine assembles", () => {
    const record = placementRecord(placed)!;
    const assembled = order12345Records();
    expect(record.version).toBe(PLACEMENT_VERSION);
    expect(record.contextReferenceId).toBe(contextReferenceId('12345'));
    expect(record.contextReferenceId).toBe(assembled[0].contextReferenceId);
    expect(record.order).toEqual(assembled[0].order);
    expect(record.asOf).toBe(new Date(ORDER_12345.orderedAt).toISOString());
    expect(Math.min(...assembled.map((r) => r.version))).toBeGreaterThan(record.version);
  });

  it('is the same record however often it is made (a replay links the same version 0)', () => {
    expect(JSON.stringify(placementRecord(placed))).toBe(JSON.stringify(placementRecord(placed)));
  });

  it('comes from order.placed only', () => {
    expect(placementRecord(exampleEvent('payment.succeeded'))).toBeUndefined();
    expect(placementRecord(exampleEvent('page.viewed'))).toBeUndefined();
    expect(placementRecord(exampleEvent('order.placed'))?.order.orderId).toBe('12345');
  });
});
