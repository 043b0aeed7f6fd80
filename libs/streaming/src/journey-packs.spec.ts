import fc from 'fast-check';
import { Partitioners, type Message } from 'kafkajs';
import { JOURNEY_COMMAND_HEADER } from './journey-commands';
import {
  journeyEvents,
  journeyPartition,
  journeyWrites,
  packJourneyMessages,
} from './journey-packs';

/** What each partition receives, in order: `key:id` per event, `!command` per command. */
function perPartition(records: readonly Message[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const record of records) {
    const into = out.get(record.partition!) ?? [];
    out.set(record.partition!, into);
    const command = record.headers?.[JOURNEY_COMMAND_HEADER];
    if (command !== undefined) into.push(`!${String(record.value)}`);
    else
      for (const { key, event } of journeyEvents({ key: null, value: record.value as Buffer }))
        into.push(`${key}:${String(event.id)}`);
  }
  return out;
}

/** The same, from the messages as Kafka's client would have placed them one by one. */
function expectedPerPartition(messages: readonly Message[], partitions: number) {
  const out = new Map<number, string[]>();
  for (const m of messages) {
    const partition = m.partition ?? journeyPartition(String(m.key), partitions);
    const into = out.get(partition) ?? [];
    out.set(partition, into);
    const event = m.headers ? undefined : (JSON.parse(String(m.value)) as { id: string });
    into.push(event ? `${String(m.key)}:${event.id}` : `!${String(m.value)}`);
  }
  return out;
}

const event = (id: string) => JSON.stringify({ id, type: 'page.viewed', data: { text: 'a,"]' } });

const messagesArb = (partitions: number) =>
  fc.array(
    fc.oneof(
      fc
        .record({ key: fc.constantFrom('d:a', 'c:b', 'd:"q"', 'c:ü', 'x'), id: fc.uuid() })
        .chain(({ key, id }) =>
          fc.constantFrom<Message>(
            { key, value: event(id) },
            { key, value: Buffer.from(event(id)) },
          ),
        ),
      fc.integer({ min: 0, max: partitions - 1 }).map<Message>((partition) => ({
        partition,
        value: `{"p":${partition}}`,
        headers: { [JOURNEY_COMMAND_HEADER]: 'progress' },
      })),
    ),
    { maxLength: 60 },
  );

describe('journey packs', () => {
  it('places a key where the Kafka client places it, the first time and every time after', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3, 6, 12),
        fc.array(fc.oneof(fc.string(), fc.constantFrom('d:anon-1', 'c:cust-42', 'ü')), {
          maxLength: 30,
        }),
        (partitions, keys) => {
          for (const key of [...keys, ...keys])
            expect(journeyPartition(key, partitions)).toBe(
              partitioner({
                topic: 't',
                partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
                  partitionId,
                  leader: 1,
                  partitionErrorCode: 0,
                  replicas: [1],
                  isr: [1],
                })),
                message: { key, value: null },
              }),
            );
        },
      ),
    );
  });

  it('gives every partition the events and commands it would get one record each, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((p) => fc.tuple(fc.constant(p), messagesArb(p))),
        fc.integer({ min: 64, max: 2048 }),
        ([partitions, messages], maxBytes) => {
          const records = packJourneyMessages(messages, partitions, maxBytes);
          expect(perPartition(records)).toEqual(expectedPerPartition(messages, partitions));
        },
      ),
    );
  });

  it('keeps packs within the byte bound unless one event alone is larger', () => {
    fc.assert(
      fc.property(messagesArb(3), fc.integer({ min: 64, max: 1024 }), (messages, maxBytes) => {
        for (const record of packJourneyMessages(messages, 3, maxBytes)) {
          if (record.headers) continue;
          const size = (record.value as Buffer).length;
          const events = journeyEvents({ key: null, value: record.value as Buffer });
          if (events.length > 1) expect(size).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it('counts the closing bracket: a pack of exactly the bound is kept whole, one byte less splits it', () => {
    const messages = [
      { key: 'd:a', value: event('1') },
      { key: 'd:a', value: event('2') },
    ];
    const whole = packJourneyMessages(messages, 1, 1 << 20);
    expect(whole).toHaveLength(1);
    const size = (whole[0].value as Buffer).length;
    expect(packJourneyMessages(messages, 1, size)).toHaveLength(1);
    expect(packJourneyMessages(messages, 1, size - 1)).toHaveLength(2);
  });

  it('packs one write into one record per partition', () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({
      key: `d:a-${i % 40}`,
      value: event(String(i)),
    }));
    const records = packJourneyMessages(messages, 6);
    expect(records.length).toBe(new Set(records.map((r) => r.partition)).size);
    expect(records.length).toBeLessThanOrEqual(6);
  });

  it('cuts a write into writes that keep the order and hold each partition within the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((p) => fc.tuple(fc.constant(p), messagesArb(p))),
        fc.integer({ min: 64, max: 512 }),
        fc.integer({ min: 64, max: 2048 }),
        ([partitions, messages], packBytes, writeBytes) => {
          const records = packJourneyMessages(messages, partitions, packBytes);
          const writes = journeyWrites(records, writeBytes);
          // Sent one after another, the writes are the records in their order.
          expect(writes.flat()).toEqual(records);
          expect(writes.every((w) => w.length > 0)).toBe(true);
          for (const write of writes)
            for (const partition of new Set(write.map((r) => r.partition))) {
              const held = write.filter((r) => r.partition === partition);
              const bytes = held.reduce((n, r) => n + Buffer.byteLength(r.value as Buffer), 0);
              if (held.length > 1) expect(bytes).toBeLessThanOrEqual(writeBytes);
            }
          // A cut only where the next record would pass the bound of its partition.
          for (let i = 1; i < writes.length; i++) {
            const next = writes[i][0];
            const before = writes[i - 1].filter((r) => r.partition === next.partition);
            const bytes = [...before, next].reduce(
              (n, r) => n + Buffer.byteLength(r.value as Buffer),
              0,
            );
            expect(before.length > 0 && bytes > writeBytes).toBe(true);
          }
        },
      ),
    );
  });

  it('keeps a write of a large batch within the broker record batch limit', () => {
    const messages = Array.from({ length: 6000 }, (_, i) => ({
      key: `d:a-${i % 7}`,
      value: event(String(i)).padEnd(500, ' '),
    }));
    const writes = journeyWrites(packJourneyMessages(messages, 2));
    expect(writes.length).toBeGreaterThan(1);
    for (const write of writes)
      for (const partition of [0, 1])
        expect(
          write
            .filter((r) => r.partition === partition)
            .reduce((n, r) => n + Buffer.byteLength(r.value as Buffer), 0),
        ).toBeLessThanOrEqual(768 * 1024);
  });

  it('reads a record of one event under its own key, as before packs', () => {
    expect(journeyEvents({ key: Buffer.from('d:a'), value: Buffer.from('{"id":"1"}') })).toEqual([
      { key: 'd:a', event: { id: '1' } },
    ]);
  });

  it('rejects what is neither an event nor a pack', () => {
    for (const value of ['nope', '3', 'null', '[1]', '[["k"]]', '[[1,{}]]'])
      expect(() => journeyEvents({ key: null, value: Buffer.from(value) })).toThrow(SyntaxError);
  });

  it('refuses an event without its journey key', () => {
    expect(() => packJourneyMessages([{ key: null, value: '{}' }], 2)).toThrow(/journey key/);
  });
});
