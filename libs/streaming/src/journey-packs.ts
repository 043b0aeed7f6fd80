import { Partitioners, type Message, type PartitionerArgs } from 'kafkajs';

/**
 * Events travel on the engine's journey topic in packs: one record per journey partition and
 * intake batch, its value a JSON array of `[journeyKey, event]` pairs in their order. A
 * record per event cost the intake most of its time in the producer (and the context stage as
 * much again reading them back). A pack lands on the partition its events' journey keys hash to, the partition
 * the Kafka client would have picked for each of them, so journeys stay where they were and
 * records of one event each (an older engine's, a replayed dead letter) read as before.
 */

/** A pack holds at most this many bytes of events (well under Kafka's 1 MB record limit). */
export const JOURNEY_PACK_BYTES = 256 * 1024;

const hashPartitioner = Partitioners.DefaultPartitioner();
/** Per partition count: the layout the partitioner is shown, and the keys placed so far. */
const layouts = new Map<
  number,
  { partitionMetadata: PartitionerArgs['partitionMetadata']; placed: Map<string, number> }
>();
/** Keys remembered per partition count; a journey's events share a key, so most are repeats. */
const PLACED_KEYS = 100_000;

/** The journey partition of a key, as the Kafka client's default partitioner places it. */
export function journeyPartition(key: string, partitions: number): number {
  const count = Math.max(1, partitions);
  let layout = layouts.get(count);
  if (!layout) {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    layouts.set(count, (layout = { partitionMetadata, placed: new Map() }));
  }
  let partition = layout.placed.get(key);
  if (partition === undefined) {
    partition = hashPartitioner({
      topic: '',
      partitionMetadata: layout.partitionMetadata,
      message: { key, value: null },
    });
    if (layout.placed.size >= PLACED_KEYS) layout.placed.clear();
    layout.placed.set(key, partition);
  }
  return partition;
}

/**
 * The records for one write to the journey topic: events (keyed messages) are packed per
 * partition, in order; a message already addressed to a partition (a command) stays where it
 * is among them, after the events before it and before those after it.
 */
export function packJourneyMessages(
  messages: readonly Message[],
  partitions: number,
  maxBytes = JOURNEY_PACK_BYTES,
): Message[] {
  const out: Message[] = [];
  // Per partition, the pieces of the pack being filled: `[`, then `[key,` event `]` per event
  // with commas between; `]` closes it. `bytes` counts every piece but that last `]`.
  const open = new Map<number, { pieces: Buffer[]; bytes: number }>();
  const close = (partition: number) => {
    const pack = open.get(partition);
    if (!pack) return;
    open.delete(partition);
    pack.pieces.push(CLOSE);
    out.push({ partition, value: Buffer.concat(pack.pieces, pack.bytes + 1) });
  };
  for (const message of messages) {
    if (message.partition !== undefined && message.partition !== null) {
      close(message.partition);
      out.push(message);
      continue;
    }
    if (typeof message.key !== 'string' || message.key === '')
      throw new Error('a journey event needs its journey key');
    const partition = journeyPartition(message.key, partitions);
    const value = Buffer.isBuffer(message.value)
      ? message.value
      : Buffer.from(message.value ?? 'null');
    const head = Buffer.from(`[${JSON.stringify(message.key)},`);
    const bytes = 1 + head.length + value.length + CLOSE.length; // with its `[` or `,`
    let pack = open.get(partition);
    if (pack && pack.bytes + bytes + CLOSE.length > maxBytes) {
      close(partition);
      pack = undefined;
    }
    if (pack) pack.pieces.push(COMMA);
    else open.set(partition, (pack = { pieces: [OPEN], bytes: 0 }));
    pack.pieces.push(head, value, CLOSE);
    pack.bytes += bytes;
  }
  for (const partition of [...open.keys()]) close(partition);
  return out;
}

/**
 * A write's records for one partition go to Kafka as one record batch, which the broker takes
 * up to its `message.max.bytes` (1 MB by default). A write holds at most this many bytes of
 * values per partition, leaving room for keys, headers and framing.
 */
export const JOURNEY_WRITE_BYTES = 768 * 1024;

/**
 * The records of packJourneyMessages (each addressed to its partition), in order, cut into
 * consecutive writes so that no write holds more than `maxBytes` of values for one partition
 * (a record larger than that goes in a write of its own). Sent one after another, the writes
 * keep every partition's order.
 */
export function journeyWrites(
  records: readonly Message[],
  maxBytes = JOURNEY_WRITE_BYTES,
): Message[][] {
  const writes: Message[][] = [];
  let current: Message[] = [];
  let bytes = new Map<number | undefined, number>();
  for (const record of records) {
    const { partition } = record;
    const size = record.value === null ? 0 : Buffer.byteLength(record.value);
    let held = bytes.get(partition) ?? 0;
    if (held > 0 && held + size > maxBytes) {
      writes.push(current);
      current = [];
      bytes = new Map();
      held = 0;
    }
    current.push(record);
    bytes.set(partition, held + size);
  }
  if (current.length > 0) writes.push(current);
  return writes;
}

/** An event read from the journey topic, with the journey key it was routed under. */
export interface JourneyEvent {
  key: string | null;
  event: Record<string, unknown>;
}

/**
 * The events of a journey record: a pack's, or the one event of a record that holds one (its
 * key the record's). Throws (SyntaxError) on a value that is neither.
 */
export function journeyEvents(message: {
  key: Buffer | null;
  value: Buffer | null;
}): JourneyEvent[] {
  const parsed = JSON.parse(message.value?.toString() ?? '') as unknown;
  if (Array.isArray(parsed))
    return parsed.map((pair: unknown) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !isObject(pair[1]))
        throw new SyntaxError('a journey pack holds something that is not a [key, event] pair');
      return { key: pair[0], event: pair[1] };
    });
  if (!isObject(parsed))
    throw new SyntaxError('a journey record is neither an event nor a pack of events');
  return [{ key: message.key?.toString() ?? null, event: parsed }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');
