import 'reflect-metadata';
import { Command } from 'commander';
import { collectorBench } from './collector.bench';
import { contextBench } from './context.bench';
import { deliveryBench } from './delivery.bench';
import { erpLatencyBench } from './erp-latency.bench';
import { freshnessBench } from './freshness.bench';
import { storeBench } from './store.bench';

/**
 * `npm run bench -- <name>`: benchmarks against the real local services. Each prints its
 * figures with a ratio against a baseline measured in the same run.
 */
const program = new Command('bench').description(
  'Context Bridge benchmarks (run `ctxb services up` first)',
);

program
  .command('collector')
  .description('HTTP collector events/s into Kafka vs plain kafkajs batch produce')
  .option('--events <n>', 'events to send', (v) => Number(v), 100_000)
  .option('--batch <n>', 'events per HTTP request / per sendBatch', (v) => Number(v), 500)
  .option('--concurrency <n>', 'concurrent HTTP requests', (v) => Number(v), 8)
  .option('--warmup <n>', 'untimed events through each path first', (v) => Number(v), 20_000)
  .action(collectorBench);

program
  .command('context')
  .description('context engine: pure events/s per core and heap per session vs kafkajs consume')
  .option('--events <n>', 'generated events', (v) => Number(v), 200_000)
  .action(contextBench);

program
  .command('store')
  .description(
    'context store: drill-down and roll-up latency at 1M and 10M contexts, insert rows/s, against a bare SELECT by primary key',
  )
  .option(
    '--sizes <list>',
    'store sizes in contexts, comma-separated, ascending',
    (v) => v.split(',').map(Number),
    [1_000_000, 10_000_000],
  )
  .option('--lookups <n>', 'lookups timed per size', (v) => Number(v), 500)
  .option('--keep', 'keep the benchmark databases afterwards')
  .action(storeBench);

program
  .command('freshness')
  .description(
    'event to queryable under load: raw events and contexts in ClickHouse, against a plain kafkajs consumer',
  )
  .option('--rate <n>', 'events written per second', (v) => Number(v), 5_000)
  .option('--seconds <n>', 'for how long', (v) => Number(v), 30)
  .action(freshnessBench);

program
  .command('delivery')
  .description(
    'link jobs through BullMQ and ODBC into the sample ERP, against plain batched odbc inserts',
  )
  .option('--jobs <n>', 'link jobs (one order header each)', (v) => Number(v), 20_000)
  .option('--concurrency <n>', 'jobs in flight per target', (v) => Number(v), 256)
  .option(
    '--workers <n>',
    'worker app processes on the queue (0: the worker app inside the benchmark process)',
    (v) => Number(v),
    1,
  )
  .action(deliveryBench);

program
  .command('erp-latency')
  .description(
    'order.placed on Kafka to context_reference_id in the ERP order header under live load, against a plain kafkajs consumer',
  )
  .option('--rate <n>', 'background load, events written per second', (v) => Number(v), 1_000)
  .option('--seconds <n>', 'for how long', (v) => Number(v), 30)
  .action(erpLatencyBench);

program
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => setImmediate(() => process.exit()));
