import fc from 'fast-check';
import type { Fact } from './facts';
import { orderStateHistory, OrderState, STATE_TRIGGERS } from './order-state';

/** The lifecycle as the business states it, written out independently of the implementation. */
const ALLOWED = new Set([
  'none→placed',
  'placed→paid',
  'placed→payment-failed',
  'placed→cancelled',
  'payment-failed→payment-failed',
  'payment-failed→paid',
  'payment-failed→cancelled',
  'paid→shipped',
  'paid→cancelled',
  'paid→refunded',
  'shipped→delivered',
  'shipped→returned',
  'delivered→returned',
  'delivered→refunded',
  'cancelled→refunded',
  'returned→refunded',
]);

const TRIGGERS = Object.keys(STATE_TRIGGERS);
const fact = (type: string, minute: number): Fact => ({
  key: `test\u0000${type}-${minute}`,
  at: Date.parse('2026-05-01T00:00:00Z') + minute * 60_000,
  type,
  web: false,
  orders: ['O-1'],
});

class Model {
  state = 'none';
  anomalies = 0;
}

interface Real {
  facts: Fact[];
}

/** Model-based: each step sends one more lifecycle event; the machine must agree with the model. */
class SendEvent implements fc.Command<Model, Real> {
  constructor(readonly type: string) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const target = STATE_TRIGGERS[this.type];
    if (ALLOWED.has(`${model.state}→${target}`)) model.state = target;
    else model.anomalies++;
    real.facts.push(fact(this.type, real.facts.length));
    const result = orderStateHistory(real.facts);
    expect(result.state ?? 'none').toBe(model.state);
    expect(result.anomalies).toHaveLength(model.anomalies);
    const path = ['none', ...result.history.map((h) => h.state)];
    for (let i = 1; i < path.length; i++)
      expect(ALLOWED.has(`${path[i - 1]}→${path[i]}`)).toBe(true);
  }
  toString(): string {
    return this.type;
  }
}

describe('order state machine', () => {
  it('never accepts an impossible transition and records each as an anomaly (model-based)', () => {
    const commands = fc.commands(
      TRIGGERS.map((t) => fc.constant(new SendEvent(t))),
      {
        maxCommands: 30,
      },
    );
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(() => ({ model: new Model(), real: { facts: [] } }), cmds);
      }),
      { numRuns: 500 },
    );
  });

  it('records entry time, trigger and time spent per state', () => {
    const result = orderStateHistory([
      fact('fulfillment.shipped', 60),
      fact('order.placed', 0),
      fact('payment.succeeded', 2),
    ]);
    expect(result.history).toEqual([
      {
        state: OrderState.Placed,
        enteredAt: '2026-05-01T00:00:00.000Z',
        trigger: 'order.placed order.placed-0',
        timeSpentMs: 120_000,
      },
      {
        state: OrderState.Paid,
        enteredAt: '2026-05-01T00:02:00.000Z',
        trigger: 'payment.succeeded payment.succeeded-2',
        timeSpentMs: 58 * 60_000,
      },
      {
        state: OrderState.Shipped,
        enteredAt: '2026-05-01T01:00:00.000Z',
        trigger: 'fulfillment.shipped fulfillment.shipped-60',
        timeSpentMs: null,
      },
    ]);
  });

  it('keeps a delivered order delivered when a late payment failure arrives, and says so', () => {
    const result = orderStateHistory([
      fact('order.placed', 0),
      fact('payment.succeeded', 1),
      fact('fulfillment.shipped', 2),
      fact('fulfillment.delivered', 3),
      fact('payment.failed', 4),
    ]);
    expect(result.state).toBe(OrderState.Delivered);
    expect(result.anomalies).toEqual([
      expect.objectContaining({
        from: 'delivered',
        reason: 'delivered cannot become payment-failed',
      }),
    ]);
  });
});
