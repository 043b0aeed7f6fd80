import { getMetadataStorage } from 'class-validator';
import { deadLetterTopic, Topic, TOPICS } from './topics';
import { EVENT_CATALOGUE, EVENT_TYPES, parseEventType } from './event-catalogue';
import { EXAMPLE_DATA, exampleEvent } from './event-examples';
import type { EventProblem } from './cloud-event';
import { validateEvent } from './event-validator';

function problems(input: unknown): EventProblem[] {
  const result = validateEvent(input);
  if (result.ok) throw new Error(`expected a rejection of ${JSON.stringify(input)}`);
  return result.problems;
}

/** Properties that carry @IsOptional on a data class. */
function optionalFields(type: string): Set<string> {
  const entry = EVENT_CATALOGUE.get(type)!;
  const metadata = getMetadataStorage().getTargetValidationMetadatas(entry.data, '', true, false);
  return new Set(
    metadata.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName),
  );
}

describe('the event catalogue', () => {
  it('covers every type of the architecture, each with an example', () => {
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(EXAMPLE_DATA).sort());
    expect(EVENT_TYPES).toHaveLength(28);
  });

  it('routes to the six topics, each with a dead-letter twin', () => {
    expect(new Set([...EVENT_CATALOGUE.values()].map((e) => e.topic))).toEqual(new Set(TOPICS));
    expect(deadLetterTopic(Topic.OrderLifecycle)).toBe('order-lifecycle.dlq');
  });

  it('reads versioned type names', () => {
    expect(parseEventType('page.viewed')).toEqual({ name: 'page.viewed', version: 1 });
    expect(parseEventType('page.viewed.v2')).toEqual({ name: 'page.viewed', version: 2 });
  });
});

describe.each(EVENT_TYPES)('%s', (type) => {
  it('accepts the example', () => {
    const result = validateEvent(exampleEvent(type));
    expect(result).toEqual(expect.objectContaining({ ok: true }));
  });

  it('rejects each missing required field with its path, and accepts each missing optional one', () => {
    const optional = optionalFields(type);
    for (const field of Object.keys(EXAMPLE_DATA[type])) {
      const event = exampleEvent(type);
      delete event.data[field];
      if (optional.has(field)) {
        expect(validateEvent(event)).toEqual(expect.objectContaining({ ok: true }));
      } else {
        expect(problems(event).map((p) => p.path)).toContain(`data.${field}`);
      }
    }
  });

  it('rejects every field of the wrong type with its path', () => {
    for (const field of Object.keys(EXAMPLE_DATA[type])) {
      const event = exampleEvent(type);
      event.data[field] = { wrong: true };
      const paths = problems(event).map((p) => p.path);
      expect(
        paths.some((path) => path === `data.${field}` || path.startsWith(`data.${field}.`)),
      ).toBe(true);
    }
  });

  it('keys one journey or one order to one partition', () => {
    const entry = EVENT_CATALOGUE.get(type)!;
    const key = entry.key(exampleEvent(type));
    if (entry.topic === Topic.CustomerJourney) expect(key).toBe('anon-1');
    if ([Topic.OrderLifecycle, Topic.PaymentEvents].includes(entry.topic))
      expect(key).toBe('12345');
    expect(key.length).toBeGreaterThan(0);
  });
});

describe('envelope and value rules', () => {
  it.each(['specversion', 'id', 'source', 'type', 'time'])('requires %s', (attribute) => {
    const event = exampleEvent('page.viewed') as unknown as Record<string, unknown>;
    delete event[attribute];
    expect(problems(event).map((p) => p.path)).toContain(attribute);
  });

  it('rejects an unknown type naming it', () => {
    expect(problems(exampleEvent('page.viewed', { type: 'page.teleported' }))).toEqual([
      { path: 'type', message: 'unknown event type "page.teleported"' },
    ]);
  });

  it.each([
    '2026-03-14 16:05:00',
    '2026-03-14T16:05:00',
    '2026-02-30T10:00:00Z',
    'yesterday',
    '1710432300',
  ])('rejects the timestamp %s', (time) => {
    expect(problems(exampleEvent('page.viewed', { time })).map((p) => p.path)).toEqual(['time']);
  });

  it('accepts timestamps with offsets and fractions', () => {
    for (const time of [
      '2026-03-14T16:05:00.123Z',
      '2026-03-14T18:05:00+02:00',
      '2026-03-14T16:05:00.123456789Z',
    ]) {
      expect(validateEvent(exampleEvent('page.viewed', { time })).ok).toBe(true);
    }
  });

  it('rejects float money with a message that says why', () => {
    const event = exampleEvent('order.placed');
    event.data.total = 249.9;
    expect(problems(event)).toEqual([
      {
        path: 'data.total',
        message: 'total must be a decimal string such as "19.99", not a number (floats lose cents)',
      },
    ]);
  });

  it.each(['1,50', '1.', '.5', '01.00', '1e3', ' 1.00', 'NaN'])(
    'rejects the amount %j',
    (amount) => {
      const event = exampleEvent('payment.succeeded');
      event.data.amount = amount;
      expect(problems(event).map((p) => p.path)).toEqual(['data.amount']);
    },
  );

  it.each(['EURO', 'eur', 'XYZ', ''])('rejects the currency %j', (currency) => {
    const event = exampleEvent('invoice.issued');
    event.data.currency = currency;
    expect(problems(event)[0].message).toMatch(/ISO 4217/);
  });

  it('names the path inside arrays', () => {
    const event = exampleEvent('order.placed');
    (event.data.lines as Record<string, unknown>[])[0].unitPrice = 12.5;
    expect(problems(event).map((p) => p.path)).toEqual(['data.lines[0].unitPrice']);
  });

  it('rejects a bad extension name and accepts a well-formed unknown extension', () => {
    expect(
      problems({ ...exampleEvent('page.viewed'), 'Bad-Name': 'x' }).map((p) => p.path),
    ).toEqual(['Bad-Name']);
    expect(validateEvent({ ...exampleEvent('page.viewed'), tenant: 'acme' }).ok).toBe(true);
  });

  it('rejects a non-object event, a non-object data and a wrong specversion', () => {
    expect(problems('page.viewed')).toEqual([
      { path: '', message: 'an event must be a JSON object' },
    ]);
    expect(
      problems(exampleEvent('page.viewed', { data: [] as unknown as Record<string, unknown> })).map(
        (p) => p.path,
      ),
    ).toEqual(['data']);
    expect(
      problems(exampleEvent('page.viewed', { specversion: '0.3' as '1.0' })).map((p) => p.path),
    ).toEqual(['specversion']);
  });

  it('rejects a malformed traceparent and accepts a valid one', () => {
    expect(
      problems(exampleEvent('page.viewed', { traceparent: 'abc' })).map((p) => p.path),
    ).toEqual(['traceparent']);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(validateEvent(exampleEvent('page.viewed', { traceparent })).ok).toBe(true);
  });

  it('returns the input object itself, unchanged', () => {
    const event = exampleEvent('order.placed');
    const before = JSON.stringify(event);
    const result = validateEvent(event);
    expect(result.ok && result.event).toBe(event);
    expect(JSON.stringify(event)).toBe(before);
  });

  it('cannot be steered by a __proto__ key in data', () => {
    const event = exampleEvent('cart.item.added');
    const data = JSON.parse(
      '{"__proto__": {"cartId": "c-1"}, "productId": "p-1", "quantity": 1, "currency": "EUR"}',
    ) as Record<string, unknown>;
    expect(problems({ ...event, data }).map((p) => p.path)).toEqual([
      'data.cartId',
      'data.unitPrice',
    ]);
  });

  it('judges data with constructor or __proto__ keys on its fields, at any depth, without throwing', () => {
    const parse = (text: string) => JSON.parse(text) as Record<string, unknown>;
    const order = exampleEvent('order.placed');
    const line = '{"productId": "p", "quantity": 1, "unitPrice": "1.00"';
    expect(
      validateEvent({
        ...order,
        data: { ...order.data, lines: [parse(`${line}, "constructor": 1}`)] },
      }).ok,
    ).toBe(true);
    expect(
      validateEvent({
        ...order,
        data: { ...order.data, lines: [parse(`${line}, "__proto__": {}}`)] },
      }).ok,
    ).toBe(true);
    const page = exampleEvent('page.viewed');
    expect(
      problems({ ...page, data: { ...page.data, url: [parse('{"constructor": 1}')] } }).map(
        (p) => p.path,
      ),
    ).toEqual(['data.url']);
    expect(validateEvent({ ...page, data: { ...page.data, constructor: 'x' } }).ok).toBe(true);
  });

  it('requires nested fields to be objects: no array for utm, no arrays inside lines', () => {
    const page = exampleEvent('page.viewed');
    expect(problems({ ...page, data: { ...page.data, utm: [] } }).map((p) => p.path)).toEqual([
      'data.utm',
    ]);
    const order = exampleEvent('order.placed');
    expect(problems({ ...order, data: { ...order.data, lines: [[]] } }).map((p) => p.path)).toEqual(
      ['data.lines'],
    );
  });

  it('gives the same answers on repeated validation (rule lookups are memoized)', () => {
    const bad = exampleEvent('order.placed');
    const broken = { ...bad, data: { ...bad.data, lines: [{ productId: 'p', quantity: 0 }] } };
    const first = problems(broken);
    for (let i = 0; i < 3; i++) expect(problems(broken)).toEqual(first);
    expect(validateEvent(bad).ok).toBe(true);
  });
});
