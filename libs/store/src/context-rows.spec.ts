import { ORDER_12345 } from '@ctxb/simulation';
import fc from 'fast-check';
import { clickHouseDateTime, contextRows, fromClickHouseDateTime } from './context-rows';
import { order12345Records } from '../../../test/support/order-12345-records';

describe('contextRows', () => {
  const records = order12345Records();
  const last = records[records.length - 1];
  const rows = contextRows(last);

  it('summarises the order-12345 story in one row', () => {
    expect(rows.summary).toMatchObject({
      context_reference_id: last.contextReferenceId,
      version: last.version,
      order_id: '12345',
      customer_id: ORDER_12345.customerId,
      placed_at: '2026-03-14 16:05:00',
      currency: 'EUR',
      total_micros: '249900000',
      first_touch_channel: 'paid-search',
      first_touch_campaign: 'spring-espresso',
      touchpoints: 5,
      sessions: 5,
      days_to_convert: 3,
      checkout_load_ms: 4000,
      cart_abandons: 2,
      products_compared: 7,
      reviews_read: 3,
      discount_code: 'SPRING10',
    });
  });

  it("has a row per session, in order, spanning the story's three days", () => {
    expect(rows.sessions.map((s) => s.position)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.sessions[0]).toMatchObject({ channel: 'paid-search' });
    expect(rows.sessions[0].started_at.slice(0, 10)).toBe('2026-03-11');
    expect(rows.sessions[4].ended_at.slice(0, 10)).toBe('2026-03-14');
    for (const session of rows.sessions) {
      expect(session.ended_at >= session.started_at).toBe(true);
      expect(session.active_ms).toBeGreaterThanOrEqual(0);
    }
    expect(rows.sessions.reduce((n, s) => n + s.page_views, 0)).toBeGreaterThan(0);
  });

  it('has a row per touchpoint, per model and credited pair, per state, per document', () => {
    expect(rows.touchpoints.map((t) => t.position)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.touchpoints[0]).toMatchObject({ channel: 'paid-search', source: 'google' });
    const models = new Set(rows.attribution.map((a) => a.model));
    expect(models.size).toBe(Object.keys(last.attribution).length);
    for (const model of models) {
      const total = rows.attribution
        .filter((a) => a.model === model)
        .reduce((sum, a) => sum + a.weight, 0);
      expect(total).toBeCloseTo(1, 9);
    }
    expect(rows.states.map((s) => s.state)).toEqual(last.state.history.map((h) => h.state));
    expect(rows.correlations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'invoice', id: 'INV-12345', order_id: '12345' }),
      ]),
    );
    const keys = rows.correlations.map((c) => `${c.kind}:${c.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('stamps every row with the version it belongs to', () => {
    const all = [
      rows.summary,
      ...rows.sessions,
      ...rows.touchpoints,
      ...rows.attribution,
      ...rows.states,
      ...rows.correlations,
    ];
    for (const row of all) {
      expect(row.context_reference_id).toBe(last.contextReferenceId);
      expect(row.version).toBe(last.version);
    }
  });
});

describe('ClickHouse DateTime text', () => {
  it('reads back every whole-second instant it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2105, 11, 31) / 1000 }), (seconds) => {
        const ms = seconds * 1000;
        expect(fromClickHouseDateTime(clickHouseDateTime(new Date(ms).toISOString()))).toBe(ms);
      }),
    );
  });
});
