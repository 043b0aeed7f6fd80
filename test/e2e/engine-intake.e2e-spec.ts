import { Partitioners } from 'kafkajs';
import {
  DeadLetterHeader,
  deadLetterTopic,
  EVENT_CATALOGUE,
  exampleEvent,
  Topic,
} from '@ctxb/events';
import { createKafka, encodeEvent } from '@ctxb/streaming';
import { engineApp } from '../../apps/engine/src/engine.app';
import { poll, startInProcess, type RunningApp } from '../support/http';
import { testConfig, uniqueName } from '../support/test-config';
import { TopicTail } from '../support/topic-tail';

describe('engine intake (direct Kafka producers)', () => {
  const config = testConfig((c) => (c.engine.groupId = uniqueName('test_engine')));
  const kafka = createKafka(config.kafka, 'test');
  let app: RunningApp;
  let tail: TopicTail;

  beforeAll(async () => {
    tail = await TopicTail.start(kafka, [deadLetterTopic(Topic.CustomerJourney)]);
    app = await startInProcess(engineApp, config);
  });
  afterAll(async () => {
    await app.close();
    await tail.stop();
  });

  it('dead-letters a poison record written straight to a topic, with its reason, and keeps consuming', async () => {
    const key = uniqueName('poison');
    const valid = exampleEvent('page.viewed', { id: uniqueName('valid'), anonymousid: key });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: Topic.CustomerJourney,
      acks: -1,
      messages: [
        { key, value: 'this is not json' },
        {
          key,
          value: JSON.stringify({ ...valid, id: `${valid.id}-bad`, type: 'page.teleported' }),
        },
        encodeEvent(valid, EVENT_CATALOGUE.get('page.viewed')!),
      ],
    });
    await producer.disconnect();

    const deadLetters = await tail.waitFor((m) => m.key === key, 2, 60_000);
    expect(deadLetters.map((m) => m.headers[DeadLetterHeader.Stage])).toEqual([
      'parse',
      'validate',
    ]);
    expect(deadLetters[0].headers[DeadLetterHeader.Reason]).toMatch(/not valid JSON/);
    expect(deadLetters[1].headers[DeadLetterHeader.Reason]).toBe(
      'type: unknown event type "page.teleported"',
    );
    expect(deadLetters[0].value).toBe('this is not json');

    // The valid record behind them is handled: the engine's counter says so.
    await poll(
      'valid event handled',
      async () => {
        const metrics = await (await fetch(`${app.url}/metrics`)).text();
        return /ctxb_engine_records_total\{topic="customer-journey",outcome="handled",app="engine"\} [1-9]/.test(
          metrics,
        )
          ? true
          : undefined;
      },
      60_000,
    );
  });
});
