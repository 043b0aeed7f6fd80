import { Command } from 'commander';
import { loadConfig } from '@ctxb/config';
import { EngineSnapshots, type SavedPartitionSummary } from '@ctxb/engine-state';
import { createRedis } from '@ctxb/streaming';

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
        const { saved, staging } = await new EngineSnapshots(
          redis,
          config.redis.keyPrefix,
        ).summaries(topic);
        if (options.json) {
          console.log(JSON.stringify({ topic, partitions: saved, staging }, null, 2));
          return;
        }
        console.log(stateTable(topic, saved, staging));
      } finally {
        redis.disconnect();
      }
    });
  return engine;
}

/** The summaries as a table, one partition a line, with totals. */
export function stateTable(
  topic: string,
  saved: readonly SavedPartitionSummary[],
  staging: number,
): string {
  if (saved.length === 0) return `no engine state saved for ${topic}`;
  const rows = [
    ['partition', 'offset', 'saved as', 'whole', 'changes'],
    ...saved.map((s) => [
      String(s.partition),
      String(s.offset),
      s.form === 'parts' ? `${s.parts} part${s.parts === 1 ? '' : 's'}` : 'one piece',
      bytes(s.wholeBytes),
      s.changes === 0 ? '-' : `${s.changes} (${bytes(s.changeBytes)})`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  const whole = saved.reduce((sum, s) => sum + s.wholeBytes + s.changeBytes, 0);
  lines.push(`${saved.length} partition(s) of ${topic}, ${bytes(whole)} in Redis`);
  if (staging > 0)
    lines.push(`${staging} staging hash(es) of interrupted saves (they expire within an hour)`);
  return lines.join('\n');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
