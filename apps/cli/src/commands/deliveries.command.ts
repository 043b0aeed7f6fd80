import { Command, Option } from 'commander';
import { LINK_TARGETS, loadConfig } from '@ctxb/config';
import { DELIVERY_STATUSES, type DeliveryAttempt } from '@ctxb/delivery';
import { createClickHouse, DeliveryLogStore } from '@ctxb/store';
import { wholeNumber } from './option-values';

interface ListOptions {
  ref?: string;
  connector?: string;
  target?: string;
  status?: string;
  sinceMinutes?: number;
  limit: number;
  offset: number;
  json?: boolean;
}

/** `ctxb deliveries`: the delivery log, every try of every link job. */
export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description(
    'the delivery log: every try of every link job (target, records, version, outcome, error, duration)',
  );
  deliveries
    .command('list')
    .description('list delivery attempts, newest first')
    .option('--ref <contextReferenceId>', "one context's deliveries")
    .option('--connector <name>', 'one connector, e.g. sample-erp')
    .addOption(new Option('--target <target>', 'one target').choices([...LINK_TARGETS]))
    .addOption(new Option('--status <status>', 'one outcome').choices([...DELIVERY_STATUSES]))
    .option('--since-minutes <n>', 'only the last n minutes', wholeNumber)
    .option('--limit <n>', 'at most this many', wholeNumber, 50)
    .option('--offset <n>', 'skip this many', wholeNumber, 0)
    .option('--json', 'machine-readable output')
    .action(async (options: ListOptions) => {
      const client = createClickHouse(loadConfig().clickhouse);
      try {
        const entries = await new DeliveryLogStore(client).list({
          contextReferenceId: options.ref,
          connector: options.connector,
          target: options.target,
          status: options.status,
          since:
            options.sinceMinutes === undefined
              ? undefined
              : new Date(Date.now() - options.sinceMinutes * 60_000),
          limit: options.limit,
          offset: options.offset,
        });
        if (options.json) {
          console.log(JSON.stringify(entries, null, 2));
          return;
        }
        if (entries.length === 0) {
          console.log('no delivery attempts');
          return;
        }
        for (const entry of entries) console.log(describe(entry));
      } finally {
        await client.close();
      }
    });
  return deliveries;
}

function describe(e: DeliveryAttempt): string {
  return [
    e.at.toISOString(),
    `${e.connector}.${e.target}`,
    `${e.contextReferenceId} v${e.version}`,
    `order ${e.orderId}`,
    `try ${e.attempt}`,
    e.status,
    e.recordIds.length > 0 ? `records ${e.recordIds.join(',')}` : '',
    `${e.durationMs} ms`,
    e.error ? `${e.failureKind}: ${e.error.slice(0, 200)}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}
