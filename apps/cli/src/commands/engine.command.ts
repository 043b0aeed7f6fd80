import { Command } from 'commander';
import { loadConfig } from '@ctxb/config';
import { EngineSnapshots, type SavedPartitionSummary } from '@ctxb/engine-state';
import { createKafka, createRedis, journeyPartitionCount } from '@ctxb/streaming';

export function engineCommand(): Command {
  const engine = new Command('engine').description('the context engine: its saved state');
  engine
    .command('state')
    .description(
      'what each journey partition has saved in Redis: the offset a restart resumes after, the whole state and the changes saved after it (a partition not listed replays its journey topic from the start)',
    )
    .option('--topic <name>', 'the journey topic (default: engine.journeyTopic)')
    .option('--json', 'machine-readable output')
    .action(async (options: { topic?: string; json?: boolean }) => {
      const config = loadConfig();
      const topic = options.topic ?? config.engine.journeyTopic;
      const redis = createRedis(config.redis, { maxRetriesPerRequest: 1 });
      try {
        const [{ saved, staging }, partitions] = await Promise.all([
          new EngineSnapshots(redis, config.redis.keyPrefix).summaries(topic),
          journeyPartitionCount(createKafka(config.kafka, 'cli'), topic).catch(
            (error: unknown) => new Error(error instanceof Error ? error.message : String(error)),
          ),
        ]);
        const count = partitions instanceof Error ? undefined : partitions;
        if (options.json) {
          const unsaved = count === undefined ? null : unsavedPartitions(saved, count);
          console.log(JSON.stringify({ topic, partitions: saved, unsaved, staging }, null, 2));
          return;
        }
        console.log(stateTable(topic, saved, staging, count));
        if (partitions instanceof Error)
          console.log(
            `Kafka not reachable (${partitions.message}): partitions with nothing saved are not shown`,
          );
      } finally {
        redis.disconnect();
      }
    });
  return engine;
}

/** The topic's partitions (0 to `count` - 1) with nothing saved: they replay from the start. */
export function unsavedPartitions(
  saved: readonly SavedPartitionSummary[],
  count: number,
): number[] {
  const held = new Set(saved.map((s) => s.partition));
  return Array.from({ length: count }, (_, p) => p).filter((p) => !held.has(p));
}

/**
 * The summaries as a table, one partition a line, with totals; given the topic's partition
 * count, the partitions with nothing saved too.
 */
export function stateTable(
  topic: string,
  saved: readonly SavedPartitionSummary[],
  staging: number,
  partitions?: number,
): string {
  const unsaved = partitions === undefined ? [] : unsavedPartitions(saved, partitions);
  if (saved.length === 0 && partitions === undefined) return `no engine state saved for ${topic}`;
  const entries: [number, string[]][] = [
    ...saved.map((s): [number, string[]] => [
      s.partition,
      [
        String(s.partition),
        String(s.offset),
        s.form === 'parts' ? `${s.parts} part${s.parts === 1 ? '' : 's'}` : 'one piece',
        bytes(s.wholeBytes),
        s.changes === 0 ? '-' : `${s.changes} (${bytes(s.changeBytes)})`,
      ],
    ]),
    ...unsaved.map((p): [number, string[]] => [
      p,
      [String(p), '-', 'nothing (replays from the start)', '', ''],
    ]),
  ];
  const rows = [
    ['partition', 'offset', 'saved as', 'whole', 'changes'],
    ...entries.sort((a, b) => a[0] - b[0]).map(([, row]) => row),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const text = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  const whole = saved.reduce((sum, s) => sum + s.wholeBytes + s.changeBytes, 0);
  const of = partitions === undefined ? '' : ` of ${partitions}`;
  text.push(`${saved.length}${of} partition(s) of ${topic} saved, ${bytes(whole)} in Redis`);
  if (staging > 0)
    text.push(`${staging} staging hash(es) of interrupted saves (they expire within an hour)`);
  return text.join('\n');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
