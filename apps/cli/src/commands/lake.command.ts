import { resolve } from 'node:path';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '@ctxb/config';
import {
  createClickHouse,
  LakeBackfill,
  LakeExporter,
  lakeStorageOf,
  LocalLakeStorage,
} from '@ctxb/store';

interface LakeOptions {
  directory?: string;
  progress: boolean;
}

/** `ctxb lake export`: the store's hours that gained rows, into the Parquet lake now. */
export function lakeCommand(): Command {
  const lake = new Command('lake').description(
    'the Parquet lake: raw events and context records as hourly files (lake.directory, or lake.s3)',
  );
  const exportCommand = lake
    .command('export')
    .description(
      'write every hour whose store rows are not all in the lake yet (the engine does this on its own every lake.exportIntervalMs)',
    );
  withLakeOptions(exportCommand).action(async (options: LakeOptions) => {
    const { config, storage } = lakeOf(options);
    const client = createClickHouse(config.clickhouse);
    try {
      const bar = progressBar(options, 'exporting');
      const written = await new LakeExporter(client, storage, {}).export('all', (done, total) =>
        bar?.update(done, undefined, total),
      );
      bar?.stop();
      const rows = written.reduce((n, f) => n + f.rows, 0);
      console.log(
        written.length === 0
          ? `the lake at ${storage.location} is up to date`
          : `${written.length} file(s), ${rows} row(s) written to ${storage.location}`,
      );
    } finally {
      await client.close();
    }
  });
  return lake;
}

/** `ctxb backfill`: the store rebuilt from the lake. */
export function backfillCommand(): Command {
  const backfill = new Command('backfill').description(
    'rebuild the ClickHouse store from the Parquet lake: raw events, context records and the tables reports read; idempotent, so it also fills gaps in a store that has some of the data',
  );
  return withLakeOptions(backfill).action(async (options: LakeOptions) => {
    const { config, storage } = lakeOf(options);
    const client = createClickHouse(config.clickhouse);
    try {
      const backfill = new LakeBackfill(client, storage);
      const bar = progressBar(options, 'backfilling');
      const report = await backfill.run((done, total) => bar?.update(done, undefined, total));
      bar?.stop();
      console.log(
        report.files === 0
          ? `no lake files under ${storage.location}`
          : `${report.files} file(s): ${report.events} event(s) and ${report.records} context version(s) written to ClickHouse database ${config.clickhouse.database}`,
      );
    } finally {
      await client.close();
    }
  });
}

function withLakeOptions(command: Command): Command {
  return command
    .option(
      '--directory <dir>',
      'a lake directory (default: lake.s3.bucket when set, else lake.directory)',
    )
    .option('--no-progress', 'no progress bar');
}

function lakeOf(options: LakeOptions) {
  const config = loadConfig();
  return {
    config,
    storage: options.directory
      ? new LocalLakeStorage(resolve(options.directory))
      : lakeStorageOf(config.lake),
  };
}

/** A bar on stderr when it is a terminal; `update(done, _, total)` sets both ends. */
function progressBar(options: LakeOptions, what: string) {
  if (!options.progress || !process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    format: `${what} [{bar}] {value}/{total} files`,
    stream: process.stderr,
  });
  bar.start(0, 0);
  return {
    update: (done: number, _: undefined, total: number) => {
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
