import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import {
  DEFAULT_TRAFFIC,
  generateTraffic,
  order12345Events,
  type TrafficOptions,
} from '@ctxb/simulation';
import { fileSink, kafkaSink } from './event-sinks';
import { wholeNumber } from './option-values';

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

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'generate realistic, reproducible (seeded) events for every topic, to an NDJSON file or to Kafka',
    )
    .option(
      '--seed <n>',
      'random seed: the same seed gives byte-identical output',
      wholeNumber,
      DEFAULT_TRAFFIC.seed,
    )
    .option('--journeys <n>', 'shopper journeys to generate', wholeNumber, DEFAULT_TRAFFIC.journeys)
    .option('--start <date>', 'first day of traffic (UTC)', date, DEFAULT_TRAFFIC.start)
    .option('--days <n>', 'days of traffic', wholeNumber, DEFAULT_TRAFFIC.days)
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
      wholeNumber,
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

function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError('must be a date like 2026-03-01');
  return value;
}
