import { Command } from 'commander';
import { loadConfig } from '@ctxb/config';
import { DeadLetters, jobOrderId, type DeadLetter } from '@ctxb/delivery';
import { redisConnectionOptions } from '@ctxb/streaming';
import { wholeNumber } from './option-values';

interface Selection {
  all?: boolean;
  queue?: string;
}

/** `ctxb dlq`: link jobs that failed for good, kept with their reason and payload. */
export function dlqCommand(): Command {
  const dlq = new Command('dlq').description(
    'link jobs the worker gave up on (a permanent error, or retries used up), with reason and payload',
  );
  dlq
    .command('list')
    .description('list dead-lettered link jobs, oldest first')
    .option(
      '--queue <queue>',
      'only those of one connector target, e.g. context-links.sample-erp.om',
    )
    .option('--limit <n>', 'at most this many', wholeNumber, 50)
    .option('--offset <n>', 'skip this many', wholeNumber, 0)
    .option('--json', 'machine-readable output, payloads included')
    .action(async (options: { queue?: string; limit: number; offset: number; json?: boolean }) =>
      withDeadLetters(async (letters) => {
        const page = await letters.list(
          { offset: options.offset, limit: options.limit },
          options.queue,
        );
        if (options.json) {
          console.log(JSON.stringify(page, null, 2));
          return;
        }
        if (page.total === 0) {
          console.log('no dead-lettered link jobs');
          return;
        }
        for (const letter of page.letters) console.log(describe(letter));
        console.log(
          `${page.letters.length} of ${page.total} dead-lettered link job(s); \`ctxb dlq show <id>\` shows one`,
        );
      }),
    );
  dlq
    .command('show')
    .description('one dead-lettered link job: where it was going, why it failed, its payload')
    .argument('<id>', 'its id, as `ctxb dlq list` prints it')
    .action(async (id: string) =>
      withDeadLetters(async (letters) => {
        const letter = await letters.get(id);
        if (!letter) {
          console.error(`no dead-lettered link job ${id}`);
          process.exitCode = 1;
          return;
        }
        console.log(JSON.stringify(letter, null, 2));
      }),
    );
  selecting(
    dlq
      .command('replay')
      .description(
        'put dead-lettered link jobs back into their queues (after the mapping or the ERP is fixed)',
      ),
  ).action(async (ids: string[], options: Selection) =>
    withDeadLetters(async (letters) => {
      const chosen = await selection(letters, ids, options);
      if (chosen === undefined) return;
      const replayed = await letters.replay(chosen);
      report('replayed', chosen, replayed, 'no such dead letter, or its job is still running');
    }),
  );
  selecting(dlq.command('purge').description('remove dead-lettered link jobs for good')).action(
    async (ids: string[], options: Selection) =>
      withDeadLetters(async (letters) => {
        const chosen = await selection(letters, ids, options);
        if (chosen === undefined) return;
        report('purged', chosen, await letters.purge(chosen), 'no such dead letter');
      }),
  );
  return dlq;
}

function selecting(command: Command): Command {
  return command
    .argument('[ids...]', 'ids as `ctxb dlq list` prints them')
    .option('--all', 'every dead-lettered link job (of --queue, if given)')
    .option('--queue <queue>', 'with --all: only those of one connector target');
}

async function selection(
  letters: DeadLetters,
  ids: string[],
  options: Selection,
): Promise<string[] | undefined> {
  if (options.all && ids.length > 0) {
    console.error('name ids or --all, not both');
    process.exitCode = 2;
    return undefined;
  }
  if (options.all) return letters.ids(options.queue);
  if (ids.length === 0) {
    console.error('name the ids of the link jobs, or --all');
    process.exitCode = 2;
    return undefined;
  }
  return ids;
}

function report(done: string, chosen: string[], handled: string[], why: string): void {
  for (const id of handled) console.log(`${done} ${id}`);
  const missing = chosen.filter((id) => !handled.includes(id));
  for (const id of missing) console.error(`not ${done}: ${id} (${why})`);
  console.log(`${done} ${handled.length} link job(s)`);
  if (missing.length > 0) process.exitCode = 1;
}

async function withDeadLetters(work: (letters: DeadLetters) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const letters = new DeadLetters(
    config.links.queue,
    { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: 1 },
    `${config.redis.keyPrefix}:bull`,
    config.links.keepCompletedSeconds,
  );
  try {
    await work(letters);
  } finally {
    await letters.close();
  }
}

function describe(letter: DeadLetter): string {
  const { data } = letter;
  return [
    letter.deadAt,
    letter.id,
    `order ${jobOrderId(data)}`,
    `v${data.version}`,
    `after ${letter.tries} tr${letter.tries === 1 ? 'y' : 'ies'}`,
    letter.reason.slice(0, 200),
  ].join('  ');
}
