import { Logger } from '@nestjs/common';
import type { Batch, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { contextOptions, type EngineChanges, type EngineSnapshot } from '@ctxb/context';
import type { EngineSnapshots } from '@ctxb/engine-state';
import { JOURNEY_COMMAND_HEADER } from '@ctxb/streaming';
import { ContextProcessor, type ContextSink } from './context-processor';

/** A gate a test opens when it chooses. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` progress reports of one source, from `first` on (commands; they emit nothing). */
function progressMessages(first: number, count: number): KafkaMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    offset: String(first + i),
    key: null,
    value: Buffer.from(JSON.stringify({ source: 's:0', time: first + i, idle: false })),
    headers: { [JOURNEY_COMMAND_HEADER]: Buffer.from('progress') },
    timestamp: '0',
    attributes: 0,
  }));
}

/**
 * The processor's order of work, with the consumer and the snapshot store as doubles whose
 * timing the test holds: no broker can be made to stop a batch at a chosen message.
 */
describe('ContextProcessor', () => {
  it('never saves (or commits) a state from the middle of a batch', async () => {
    let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
    const consumer = {
      events: { GROUP_JOIN: 'group.join', CRASH: 'crash' },
      on: () => undefined,
      connect: () => Promise.resolve(),
      subscribe: () => Promise.resolve(),
      run: (config: { eachBatch: typeof eachBatch }) => {
        eachBatch = config.eachBatch;
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      commitOffsets: () => Promise.resolve(),
      seek: () => undefined,
    };
    const admin = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve() };
    const kafka = { consumer: () => consumer, admin: () => admin } as unknown as Kafka;

    // The first save waits until the test lets it through; every save's offset is noted.
    const firstSave = gate();
    const savedOffsets: number[] = [];
    const snapshots = {
      load: () => Promise.resolve(undefined),
      save: async (_topic: string, _partition: number, offset: number, _: EngineSnapshot) => {
        savedOffsets.push(offset);
        if (savedOffsets.length === 1) await firstSave.opened;
        return 1;
      },
      saveChanges: (_t: string, _p: number, _from: number, offset: number, _: EngineChanges) => {
        savedOffsets.push(offset);
        return Promise.resolve(1);
      },
    } as unknown as EngineSnapshots;
    const sink: ContextSink = { write: () => Promise.resolve() };
    const producer = {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
    } as unknown as Producer;
    const processor = new ContextProcessor(
      kafka,
      {
        groupId: 'g',
        topic: 'journeys',
        sessionTimeoutMs: 30_000,
        snapshotIntervalMs: 20,
        partitionsInParallel: 1,
        context: contextOptions({}),
      },
      snapshots,
      sink,
      producer,
      new Logger('test'),
    );
    await processor.start();

    const heartbeat = gate();
    const payload = (messages: KafkaMessage[], heartbeats: Promise<void>) =>
      ({
        batch: {
          topic: 'journeys',
          partition: 0,
          messages,
          firstOffset: () => messages[0].offset,
        } as unknown as Batch,
        isRunning: () => true,
        isStale: () => false,
        heartbeat: () => heartbeats,
        resolveOffset: () => undefined,
      }) as unknown as EachBatchPayload;

    // A first batch, then the timer's save of it, held at the store …
    await eachBatch!(payload(progressMessages(0, 10), Promise.resolve()));
    await sleep(60);
    expect(savedOffsets).toEqual([9]);
    // … while more timer saves queue behind it; then a long batch stops at a heartbeat
    // (every 1,000 messages) half-way through …
    await sleep(60);
    const long = eachBatch!(payload(progressMessages(10, 2000), heartbeat.opened));
    await sleep(10);
    // … and the held save ends: a save that waited must not take the half-folded state.
    firstSave.open();
    await sleep(60);
    heartbeat.open();
    await long;
    await sleep(60);
    await processor.stop();
    // Only batch ends: 9 after the first batch, 2009 after the long one.
    expect(savedOffsets.length).toBeGreaterThan(1);
    expect(savedOffsets.filter((offset) => offset !== 9 && offset !== 2009)).toEqual([]);
  });
});
