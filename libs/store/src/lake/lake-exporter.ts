import type { ClickHouseClient } from '@clickhouse/client';
import { parquetMetadata } from 'hyparquet';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import { identifier, joinSql, raw, sql, type SqlFragment } from '../sql/sql';
import { selectRows } from '../clickhouse-client';
import { LAKE_DATASET_SPECS, type LakeDatasetSpec } from './lake-datasets';
import { HOUR_MS, LAKE_DATASETS, lakeFile, type LakeDataset } from './lake-layout';
import type { LakeStorage } from './lake-storage';

/** One file written: its dataset, hour (epoch ms) and rows. */
export interface LakeFileWritten {
  dataset: LakeDataset;
  hour: number;
  path: string;
  rows: number;
}

export interface LakeExportOptions {
  /** Rows per Parquet row group (and per read from ClickHouse). */
  rowGroupRows?: number;
}

/** The hours to look at: all of them, or those of each dataset that gained rows (epoch ms). */
export type LakeHours = 'all' | ReadonlyMap<LakeDataset, ReadonlySet<number>>;

const PARQUET_CREATED_BY = 'context-bridge lake';

/**
 * Writes the store's raw events and context records to the lake, one Parquet file per dataset
 * and hour, made from ClickHouse (the store has the data once the engine's offsets say so).
 * An hour's file is rewritten whole — the same rows give the same file — when ClickHouse holds
 * more distinct rows for that hour than the file: late events and new versions land in the
 * right hour, replays change nothing, and a file never loses rows. A full run looks at every
 * hour; a routine one at the hours the writers said gained rows (see LakeChanges).
 */
export class LakeExporter {
  /** Rows in each file this exporter has read or written (saves re-reading footers). */
  private readonly rowsInLake = new Map<string, number>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly storage: LakeStorage,
    private readonly options: LakeExportOptions,
  ) {}

  async export(
    hours: LakeHours,
    onProgress?: (done: number, total: number) => void,
  ): Promise<LakeFileWritten[]> {
    const stale: { dataset: LakeDataset; hour: number }[] = [];
    for (const dataset of LAKE_DATASETS) {
      const only =
        hours === 'all' ? undefined : [...(hours.get(dataset) ?? [])].sort((a, b) => a - b);
      if (only?.length === 0) continue;
      for (const { hour, rows } of await this.hoursInStore(dataset, only)) {
        if (rows > (await this.rowsInFile(lakeFile(dataset, hour)))) stale.push({ dataset, hour });
      }
    }
    const written: LakeFileWritten[] = [];
    onProgress?.(0, stale.length);
    for (const { dataset, hour } of stale) {
      written.push(await this.writeHour(dataset, hour));
      onProgress?.(written.length, stale.length);
    }
    return written;
  }

  /** Distinct rows per hour in the store: of every hour, or of the hours given (ascending). */
  private async hoursInStore(
    dataset: LakeDataset,
    only?: readonly number[],
  ): Promise<{ hour: number; rows: number }[]> {
    const spec = LAKE_DATASET_SPECS[dataset];
    const table = identifier(spec.table);
    const time = identifier(spec.timeColumn);
    const hours = only?.map((h) => sql`${new Date(h)}`);
    const recent = only
      ? sql`${time} >= ${new Date(only[0])} AND ${time} < ${new Date(only[only.length - 1] + HOUR_MS)}
          AND toStartOfHour(${time}) IN (${joinSql(hours!)})`
      : raw('1');
    const rows = await selectRows<{ hour: string | number; rows: string | number }>(
      this.client,
      sql`SELECT toUnixTimestamp(toStartOfHour(${time})) AS hour, uniqExact(${keyColumns(spec)}) AS rows
        FROM ${table} WHERE ${recent} GROUP BY hour ORDER BY hour`,
    );
    return rows.map((r) => ({ hour: Number(r.hour) * 1000, rows: Number(r.rows) }));
  }

  private async rowsInFile(path: string): Promise<number> {
    const known = this.rowsInLake.get(path);
    if (known !== undefined) return known;
    const bytes = await this.storage.read(path);
    const rows = bytes ? Number(parquetMetadata(bytes).num_rows) : 0;
    this.rowsInLake.set(path, rows);
    return rows;
  }

  /** The hour's distinct rows, in key order, as one file; read and encoded a row group at a time. */
  private async writeHour(dataset: LakeDataset, hour: number): Promise<LakeFileWritten> {
    const spec = LAKE_DATASET_SPECS[dataset];
    const groupRows = this.options.rowGroupRows ?? 50_000;
    const time = identifier(spec.timeColumn);
    const bytes = new ByteWriter();
    const parquet = new ParquetWriter({
      writer: bytes,
      schema: schemaFromColumnData({ columnData: spec.toColumns([]) }),
      createdBy: PARQUET_CREATED_BY,
    });
    let rows = 0;
    for (let offset = 0; ; offset += groupRows) {
      const page = await selectRows<Record<string, unknown>>(
        this.client,
        sql`SELECT ${joinSql(spec.tableColumns.map((c) => identifier(c)))}
          FROM ${identifier(spec.table)}
          WHERE ${time} >= ${new Date(hour)} AND ${time} < ${new Date(hour + HOUR_MS)}
          ORDER BY ${keyColumns(spec)}, ${identifier(spec.tableColumns[spec.tableColumns.length - 1])}
          LIMIT 1 BY ${keyColumns(spec)}
          LIMIT ${offset}, ${groupRows}`,
      );
      if (page.length > 0) {
        await parquet.write({
          columnData: spec.toColumns(page as never[]),
          rowGroupSize: groupRows,
        });
        rows += page.length;
      }
      if (page.length < groupRows) break;
    }
    await parquet.finish();
    const path = lakeFile(dataset, hour);
    await this.storage.write(path, new Uint8Array(bytes.getBuffer()));
    this.rowsInLake.set(path, rows);
    return { dataset, hour, path, rows };
  }
}

function keyColumns(spec: LakeDatasetSpec<unknown>): SqlFragment {
  return joinSql(spec.key.map((c) => identifier(c)));
}
