import { createWriteStream } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '@ctxb/config';
import { EVENT_CATALOGUE, type CloudEvent } from '@ctxb/events';
import {
  DEFAULT_TRAFFIC,
  generateTraffic,
  order12345Events,
  type TrafficOptions,
} from '@ctxb/simulation';
import {
  BatchingPublisher,
  createKafka,
  encodeEvent,
  orderedProducer,
  provisionTopics,
} from '@ctxb/streaming';

interface GenerateOptions {
  seed: number;
  journeys: number;
  start: string;
  days: number;
  scenario: 'mixed' | 'order-12345';
  story: boolean;
  out?: string;
  kafka?: boolean;
  rate: number;
  progress: boolean;
}

/** Where generated events go: an NDJSON file (or stdout) or the Kafka topics. */
interface EventSink {
  write(events: CloudEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'generate realistic, reproducible (seeded) events for every topic, to an NDJSON file or to Kafka',
    )
    .option(
      '--seed <n>',
      'random seed: the same seed gives byte-identical output',
      integer,
      DEFAULT_TRAFFIC.seed,
    )
    .option('--journeys <n>', 'shopper journeys to generate', integer, DEFAULT_TRAFFIC.journeys)
    .option('--start <date>', 'first day of traffic (UTC)', date, DEFAULT_TRAFFIC.start)
    .option('--days <n>', 'days of traffic', integer, DEFAULT_TRAFFIC.days)
    .addOption(
      new Option('--scenario <name>', 'mixed traffic, or only the order-12345 story')
        .choices(['mixed', 'order-12345'])
        .default('mixed'),
    )
    .option('--no-story', 'leave the order-12345 story out of mixed traffic')
    .option('--out <file>', 'write NDJSON to this file ("-" for stdout)')
    .option('--kafka', 'publish to the Kafka topics (keys as the collector sets them)')
    .option(
      '--rate <events/s>',
      'throttle to this many events per second (0: as fast as possible)',
      integer,
      0,
    )
    .option('--no-progress', 'no progress bar')
    .action(async (options: GenerateOptions) => {
      if (!options.out === !options.kafka)
        throw new Error('choose exactly one of --out <file> and --kafka');
      const sink = options.kafka ? await kafkaSink() : fileSink(options.out!);
      const traffic: TrafficOptions = {
        seed: options.seed,
        journeys: options.journeys,
        start: options.start,
        days: options.days,
        includeStory: options.story,
      };
      const chunks =
        options.scenario === 'order-12345' ? [order12345Events()] : generateTraffic(traffic);
      const total =
        options.scenario === 'order-12345'
          ? 1
          : options.journeys + options.days + (options.story ? 1 : 0);
      const bar =
        options.progress && process.stderr.isTTY
          ? new SingleBar({
              format: 'generating [{bar}] {percentage}% | {events} events | {rate} ev/s',
              stream: process.stderr,
            })
          : undefined;
      bar?.start(total, 0, { events: 0, rate: 0 });
      const started = Date.now();
      let events = 0;
      let done = 0;
      try {
        for (const chunk of chunks) {
          await sink.write(chunk);
          events += chunk.length;
          bar?.update(++done, {
            events,
            rate: Math.round(events / Math.max(0.001, (Date.now() - started) / 1000)),
          });
          if (options.rate > 0) {
            const ahead = (events / options.rate) * 1000 - (Date.now() - started);
            if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
          }
        }
      } finally {
        bar?.stop();
        await sink.close();
      }
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `generated ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / Math.max(seconds, 0.001))} events/s)\n`,
      );
    });
}

function fileSink(path: string): EventSink {
  const stream: NodeJS.WritableStream = path === '-' ? process.stdout : createWriteStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    if (path === '-') return resolve();
    stream.once('finish', () => resolve());
    stream.once('error', reject);
  });
  return {
    write: async (events) => {
      const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
    },
    close: async () => {
      if (path !== '-') stream.end();
      await finished;
    },
  };
}

async function kafkaSink(): Promise<EventSink> {
  const config = loadConfig();
  const kafka = createKafka(config.kafka, 'generator');
  await provisionTopics(kafka, config.topics);
  const producer = orderedProducer(kafka);
  await producer.connect();
  const publisher = new BatchingPublisher(producer, { lingerMs: 5, maxBatchMessages: 5_000 });
  const pending: Promise<void>[] = [];
  return {
    write: async (events) => {
      pending.push(
        publisher.publish(
          events.map((e) => {
            const entry = EVENT_CATALOGUE.get(e.type)!;
            return { topic: entry.topic, message: encodeEvent(e, entry) };
          }),
        ),
      );
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    },
    close: async () => {
      await Promise.all(pending);
      await publisher.flush();
      await producer.disconnect();
    },
  };
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError('must be a date like 2026-03-01');
  return value;
}
