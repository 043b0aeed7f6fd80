import { createHash } from 'node:crypto';
import { exampleEvent, Topic, TOPICS, type CloudEvent } from '@ctxb/events';
import { createKafka } from '@ctxb/streaming';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import { holdEventTimeLock, withLockWait } from '../support/event-time-lock';
import { startInProcess, type RunningApp } from '../support/http';
import { testConfig, uniqueName } from '../support/test-config';
import { TopicTail, type TailedMessage } from '../support/topic-tail';

const WRITE_KEY = 'ctxb-demo-write-key';
const SHOP_ONLY_KEY = 'shop-only-key';

describe('POST /v1/events (collector, end to end to Kafka)', () => {
  const config = testConfig((c) => {
    c.collector.maxBatchEvents = 50;
    c.collector.maxBodyBytes = 64 * 1024;
    c.collector.writeKeys.push({
      name: 'shop-only',
      sha256: createHash('sha256').update(SHOP_ONLY_KEY).digest('hex'),
      sources: ['https://shop.example.com*'],
    });
  });
  const kafka = createKafka(config.kafka, 'test');
  let app: RunningApp;
  let tail: TopicTail;
  const run = uniqueName('run');
  // The examples are the story's March 2026 events, under devices of their own: an engine or
  // archive of another test reading the topics meanwhile would count them as its journeys.
  let release: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    release = await holdEventTimeLock(config);
    app = await startInProcess(gatewayApp, config);
    // The gateway provisions topics in the background; the first accepted post proves it.
    await post([event('page.viewed', 'warmup')], 'application/cloudevents-batch+json');
    tail = await TopicTail.start(kafka, [...TOPICS]);
  }, withLockWait(60_000));
  afterAll(async () => {
    await tail?.stop();
    await app?.close();
    await release?.();
  });

  function event(type: string, id: string, overrides: Partial<CloudEvent> = {}): CloudEvent {
    return exampleEvent(type, { id: `${run}-${id}`, anonymousid: `anon-${run}`, ...overrides });
  }

  async function post(
    body: unknown,
    contentType: string,
    headers: Record<string, string> = {},
    key: string | null = WRITE_KEY,
  ) {
    const response = await fetch(`${app.url}/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const ours = (id: string) => (m: TailedMessage) => m.event?.id === `${run}-${id}`;

  it('structured mode: one event onto its topic, keyed by the journey', async () => {
    const response = await post(event('product.viewed', 's1'), 'application/cloudevents+json');
    expect(response).toEqual({
      status: 202,
      body: { mode: 'structured', accepted: 1, duplicates: 0, rejected: [] },
    });
    const [message] = await tail.waitFor(ours('s1'), 1);
    expect(message.topic).toBe(Topic.CustomerJourney);
    expect(message.key).toBe(`anon-${run}`);
    expect(message.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(JSON.parse(message.value)).toEqual(event('product.viewed', 's1'));
  });

  it('batch mode: valid events to their topics keyed by order, invalid ones reported by index and never written', async () => {
    const invalid = event('payment.failed', 'b-invalid');
    invalid.data.amount = 10.5;
    const response = await post(
      [
        event('order.placed', 'b1'),
        event('payment.succeeded', 'b2'),
        invalid,
        event('invoice.issued', 'b3'),
      ],
      'application/cloudevents-batch+json',
    );
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      mode: 'batch',
      accepted: 3,
      duplicates: 0,
      rejected: [
        {
          index: 2,
          id: `${run}-b-invalid`,
          problems: [
            {
              path: 'data.amount',
              message:
                'amount must be a decimal string such as "19.99", not a number (floats lose cents)',
            },
          ],
        },
      ],
    });
    const expected: Record<string, Topic> = {
      b1: Topic.OrderLifecycle,
      b2: Topic.PaymentEvents,
      b3: Topic.FinancialEvents,
    };
    for (const [id, topic] of Object.entries(expected)) {
      const messages = await tail.waitFor(ours(id), 1);
      expect(messages.map((m) => [m.topic, m.key])).toEqual([[topic, '12345']]);
    }
    expect(await tail.waitFor(ours('b-invalid'), 1, 500)).toEqual([]);
  });

  it('binary mode: ce-* headers and data as the body', async () => {
    const data = event('fulfillment.shipped', 'x').data;
    const response = await post(data, 'application/json', {
      'ce-specversion': '1.0',
      'ce-id': `${run}-bin1`,
      'ce-source': 'https://wms.example.com',
      'ce-type': 'fulfillment.shipped',
      'ce-time': '2026-03-15T09:00:00Z',
      'ce-correlationid': '12345',
    });
    expect(response).toEqual({
      status: 202,
      body: { mode: 'binary', accepted: 1, duplicates: 0, rejected: [] },
    });
    const [message] = await tail.waitFor(ours('bin1'), 1);
    expect(message.topic).toBe(Topic.OrderLifecycle);
    expect(message.key).toBe('12345');
    expect(JSON.parse(message.value)).toEqual(
      expect.objectContaining({
        specversion: '1.0',
        source: 'https://wms.example.com',
        correlationid: '12345',
        data,
      }),
    );
  });

  it('counts a retried delivery once, within a request and across requests', async () => {
    const first = await post(
      [event('search.performed', 'd1'), event('search.performed', 'd1')],
      'application/cloudevents-batch+json',
    );
    expect(first.body).toEqual(expect.objectContaining({ accepted: 1, duplicates: 1 }));
    const retry = await post(event('search.performed', 'd1'), 'application/cloudevents+json');
    expect(retry).toEqual({
      status: 202,
      body: { mode: 'structured', accepted: 0, duplicates: 1, rejected: [] },
    });
    expect(await tail.waitFor(ours('d1'), 2, 1500)).toHaveLength(1);
  });

  it('400 when no event is valid, and nothing reaches Kafka', async () => {
    const response = await post(
      [{ ...event('page.viewed', 'n1'), type: 'page.teleported' }],
      'application/cloudevents-batch+json',
    );
    expect(response.status).toBe(400);
    expect(response.body).toEqual(
      expect.objectContaining({
        error: 'no-valid-events',
        rejected: [
          {
            index: 0,
            id: `${run}-n1`,
            problems: [{ path: 'type', message: 'unknown event type "page.teleported"' }],
          },
        ],
      }),
    );
    expect(await tail.waitFor(ours('n1'), 1, 500)).toEqual([]);
  });

  it('400 for a body that is not JSON', async () => {
    expect((await post('{"specversion":', 'application/cloudevents+json')).body).toEqual(
      expect.objectContaining({ error: 'malformed-body' }),
    );
  });

  it('401 without a write key or with a wrong one', async () => {
    expect(
      (await post(event('page.viewed', 'k1'), 'application/cloudevents+json', {}, null)).status,
    ).toBe(401);
    expect(
      (await post(event('page.viewed', 'k2'), 'application/cloudevents+json', {}, 'guess')).status,
    ).toBe(401);
  });

  it('accepts the key as X-Write-Key and as ?writeKey= (for sendBeacon)', async () => {
    expect(
      (await post(event('page.viewed', 'k3'), 'text/plain', { 'x-write-key': WRITE_KEY }, null))
        .status,
    ).toBe(202);
    const response = await fetch(`${app.url}/v1/events?writeKey=${WRITE_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify([event('page.viewed', 'k4')]),
    });
    expect(response.status).toBe(202);
  });

  it('rejects events from a source the key may not send for', async () => {
    const response = await post(
      [
        event('page.viewed', 'src1'),
        event('page.viewed', 'src2', { source: 'https://evil.example.net' }),
      ],
      'application/cloudevents-batch+json',
      {},
      SHOP_ONLY_KEY,
    );
    expect(response.body).toEqual(
      expect.objectContaining({
        accepted: 1,
        rejected: [
          {
            index: 1,
            id: `${run}-src2`,
            problems: [
              {
                path: 'source',
                message:
                  'write key "shop-only" may not send events from source "https://evil.example.net"',
              },
            ],
          },
        ],
      }),
    );
  });

  it('rejects an event dated further ahead of its clock than the engine would take', async () => {
    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
    const response = await post(
      [
        event('page.viewed', 'soon', { time: ahead(10 * 60_000) }),
        event('page.viewed', 'far', { time: ahead(3 * 86_400_000) }),
      ],
      'application/cloudevents-batch+json',
    );
    expect(response.status).toBe(202);
    expect(response.body).toEqual(expect.objectContaining({ accepted: 1 }));
    const [rejected] = response.body.rejected as {
      index: number;
      id: string;
      problems: { path: string; message: string }[];
    }[];
    expect(rejected).toMatchObject({ index: 1, id: `${run}-far` });
    expect(rejected.problems).toHaveLength(1);
    expect(rejected.problems[0].path).toBe('time');
    expect(rejected.problems[0].message).toMatch(
      /is (2|3) days ahead of the clock here .*; at most 60 min ahead is taken/,
    );
    await tail.waitFor(ours('soon'), 1, 30_000);
    expect(tail.messages.some(ours('far'))).toBe(false);
  });

  it('413 over the body limit or the event limit', async () => {
    const big = { ...event('page.viewed', 'big'), data: { url: 'x', path: 'y'.repeat(70 * 1024) } };
    expect((await post(big, 'application/cloudevents+json')).status).toBe(413);
    const many = Array.from({ length: 51 }, (_, i) => event('page.viewed', `many${i}`));
    expect((await post(many, 'application/cloudevents-batch+json')).body).toEqual(
      expect.objectContaining({ error: 'too-many-events' }),
    );
  });

  it('415 for other content types', async () => {
    expect((await post('a,b', 'text/csv')).status).toBe(415);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/v1/events`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,ce-id',
        },
      });
    const allowed = await preflight('http://localhost:8080');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('ce-id');
    expect(
      (await preflight('https://evil.example.net')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});
