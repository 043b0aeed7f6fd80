import { Command, Option } from 'commander';
import { loadConfig } from '@ctxb/config';
import { DeadLetterStage, TOPICS } from '@ctxb/events';
import { createKafka } from '@ctxb/streaming';
import {
  DeadLetterStore,
  type DeadLetter,
  type DeadLetterFilter,
} from '../dead-letters/dead-letter-store';

interface FilterOptions {
  topic?: string[];
  stage?: string;
  key?: string;
}

export function eventsCommand(): Command {
  const events = new Command('events').description('work with the event topics');
  const deadLetters = events
    .command('dead-letters')
    .description(
      'events the engine rejected (not JSON, invalid, or a failing handler), kept with their reason',
    );

  const withFilters = (command: Command) =>
    command
      .addOption(
        new Option('--topic <topic...>', 'only these original topics').choices([...TOPICS]),
      )
      .addOption(
        new Option('--stage <stage>', 'only this failure stage').choices(
          Object.values(DeadLetterStage),
        ),
      )
      .option('--key <key>', 'only records with this Kafka key (a journey or an order)');

  withFilters(
    deadLetters
      .command('list')
      .description('list dead-lettered events with stage, reason and origin'),
  )
    .option('--json', 'machine-readable output, values included')
    .action(async (options: FilterOptions & { json?: boolean }) => {
      const records = await store().read(filterOf(options));
      if (options.json) {
        console.log(
          JSON.stringify(
            records.map((r) => ({ ...r, value: r.value?.toString() ?? null, headers: undefined })),
            null,
            2,
          ),
        );
        return;
      }
      if (records.length === 0) {
        console.log('no dead-lettered events');
        return;
      }
      for (const r of records) console.log(describe(r));
      console.log(`${records.length} dead-lettered event(s)`);
    });

  withFilters(
    deadLetters
      .command('replay')
      .description('write dead-lettered events back to their original topic (after a fix)'),
  )
    .option('--dry-run', 'show what would be replayed')
    .action(async (options: FilterOptions & { dryRun?: boolean }) => {
      const records = await store().read(filterOf(options));
      if (options.dryRun) {
        for (const r of records) console.log(describe(r));
        console.log(`would replay ${records.length} event(s)`);
        return;
      }
      console.log(`replayed ${await store().replay(records)} event(s)`);
    });
  return events;
}

function store(): DeadLetterStore {
  return new DeadLetterStore(createKafka(loadConfig().kafka, 'cli'));
}

function filterOf(options: FilterOptions): DeadLetterFilter {
  return { topics: options.topic, stage: options.stage, key: options.key };
}

function describe(r: DeadLetter): string {
  return `${r.failedAt}  ${r.originalTopic}[${r.originalPartition}]@${r.originalOffset}  key=${r.key ?? '-'}  ${r.stage}: ${r.reason.slice(0, 160)}`;
}
