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
 * A processor over doubles of the consumer and the snapshot store, which note in order what
 * is asked of them (`calls`); `store` replaces store methods. `batch` hands it a batch of one
 * partition, its heartbeats settling with `heartbeats`.
 */
async function processorOverDoubles(options: {
  snapshotIntervalMs: number;
  store?: Partial<Record<keyof EngineSnapshots, unknown>>;
}) {
  const calls: string[] = [];
  const handlers = new Map<string, () => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'group.join', CRASH: 'crash', REBALANCING: 'rebalancing' },
    on: (event: string, handler: () => void) => handlers.set(event, handler),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (config: { eachBatch: typeof eachBatch }) => {
      eachBatch = config.eachBatch;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    commitOffsets: () => {
      calls.push('commit');
      return Promise.resolve();
    },
    seek: () => undefined,
  };
  const admin = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve() };
  const kafka = { consumer: () => consumer, admin: () => admin } as unknown as Kafka;
  const noted =
    <A extends unknown[]>(name: string, answer: unknown) =>
    (_topic: string, partition: number, ...rest: A) => {
      calls.push(`${name} ${partition}${name === 'save' ? `@${String(rest[0])}` : ''}`);
      return Promise.resolve(answer);
    };
  const snapshots = {
    markHandover: noted('mark', undefined),
    clearHandover: noted('clear', undefined),
    handoverDone: noted('wait', true),
    load: noted('load', undefined),
    save: noted('save', 1),
    saveChanges: noted('changes', 1),
    ...options.store,
  } as unknown as EngineSnapshots;
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
      snapshotIntervalMs: options.snapshotIntervalMs,
      partitionsInParallel: 1,
      context: contextOptions({}),
    },
    snapshots,
    { write: () => Promise.resolve() } satisfies ContextSink,
    producer,
    new Logger('test'),
  );
  await processor.start();
  const batch = (partition: number, messages: KafkaMessage[], heartbeats = Promise.resolve()) =>
    eachBatch!({
      batch: {
        topic: 'journeys',
        partition,
        messages,
        firstOffset: () => messages[0].offset,
      } as unknown as Batch,
      isRunning: () => true,
      isStale: () => false,
      heartbeat: () => heartbeats,
      resolveOffset: () => undefined,
    } as unknown as EachBatchPayload);
  return { processor, calls, batch, emit: (event: string) => handlers.get(event)?.() };
}

/**
 * The processor's order of work, with the consumer and the snapshot store as doubles whose
 * timing the test holds: no broker can be made to stop a batch at a chosen message.
 */
describe('ContextProcessor', () => {
  it('never saves (or commits) a state from the middle of a batch', async () => {
    // The first save waits until the test lets it through; every save's offset is noted.
    const firstSave = gate();
    const savedOffsets: number[] = [];
    const { processor, batch } = await processorOverDoubles({
      snapshotIntervalMs: 20,
      store: {
        save: async (_topic: string, _partition: number, offset: number, _: EngineSnapshot) => {
          savedOffsets.push(offset);
          if (savedOffsets.length === 1) await firstSave.opened;
          return 1;
        },
        saveChanges: (_t: string, _p: number, _from: number, offset: number, _: EngineChanges) => {
          savedOffsets.push(offset);
          return Promise.resolve(1);
        },
      },
    });

    // A first batch, then the timer's save of it, held at the store …
    await batch(0, progressMessages(0, 10));
    await sleep(60);
    expect(savedOffsets).toEqual([9]);
    // … while more timer saves queue behind it; then a long batch stops at a heartbeat
    // (every 1,000 messages) half-way through …
    await sleep(60);
    const heartbeat = gate();
    const long = batch(0, progressMessages(10, 2000), heartbeat.opened);
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

  it('saves every partition it holds when the group rebalances, marked as handed over, without a commit', async () => {
    // No timer save during the test.
    const { processor, calls, batch, emit } = await processorOverDoubles({
      snapshotIntervalMs: 600_000,
    });
    await batch(0, progressMessages(0, 10));
    await batch(1, progressMessages(0, 5));
    calls.length = 0;
    emit('rebalancing');
    await sleep(50);
    expect(calls.filter((c) => /^\w+ 0\b/.test(c))).toEqual(['mark 0', 'save 0@9', 'clear 0']);
    expect(calls.filter((c) => /^\w+ 1\b/.test(c))).toEqual(['mark 1', 'save 1@4', 'clear 1']);
    expect(calls).not.toContain('commit');
    await processor.stop();
  });

  it('a new owner waits for the handover to end before it loads the state', async () => {
    const handover = gate();
    const waits: string[] = [];
    const { processor, calls, batch } = await processorOverDoubles({
      snapshotIntervalMs: 600_000,
      store: {
        handoverDone: async (_topic: string, partition: number) => {
          waits.push(`wait ${partition}`);
          await handover.opened;
          return true;
        },
      },
    });
    const first = batch(0, progressMessages(0, 3));
    await sleep(30);
    expect({ waits, calls }).toEqual({ waits: ['wait 0'], calls: [] });
    handover.open();
    await first;
    expect(calls).toEqual(['load 0']);
    await processor.stop();
  });
});
