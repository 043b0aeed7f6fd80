import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ClickHouseClient } from '@clickhouse/client';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { order12345Events } from '@ctxb/simulation';
import {
  ContextRecordStore,
  eventRow,
  hourStart,
  LakeBackfill,
  LakeExporter,
  LocalLakeStorage,
  RawEventStore,
} from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { lakeBackedRows } from '../support/lake-contents';
import { craftedOrder, order12345Records } from '../support/order-12345-records';

describe('Parquet lake: export from ClickHouse, read by DuckDB, backfill back', () => {
  const databases = [
    new ClickHouseTestDatabase('it_lake_src'),
    new ClickHouseTestDatabase('it_lake_copy'),
  ];
  const [source, copy] = databases.map((database) => database.client);
  const events: CloudEvent[] = order12345Events();
  const records = [
    ...order12345Records(),
    craftedOrder('A-1', '2026-03-20T09:10:00.000Z', '10.00', 1200, 0.8),
    craftedOrder('A-2', '2026-03-20T09:50:00.000Z', '20.00', 6100, 1.9, 'USD', 3),
  ];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctxb-lake-'));
    for (const database of databases) await database.create();
    for (const client of [source, copy]) await new ContextRecordStore(client).ensureSchema();
    const rows = events.map((e) => eventRow(e, 'customer-journey'));
    // Everything twice, as after a replay: the lake must still hold each row once.
    for (let i = 0; i < 2; i++) {
      await new RawEventStore(source).write(rows);
      await new ContextRecordStore(source).write(records);
    }
  });
  afterAll(async () => {
    for (const database of databases) await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const exporter = () => new LakeExporter(source, new LocalLakeStorage(dir), {});

  it('writes one file per dataset and hour that DuckDB reads with the Hive partitions', async () => {
    const written = await exporter().export('all');
    const hours = new Set(events.map((e) => e.time.slice(0, 13)));
    expect(written.filter((f) => f.dataset === 'events')).toHaveLength(hours.size);
    expect(
      written.find((f) => f.path === 'events/dt=2026-03-11/hour=16/part-00000.parquet'),
    ).toBeTruthy();

    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (query: string) => (await duck.runAndReadAll(query)).getRowObjectsJson();
    const [counts] = await read(
      `SELECT count(*)::INT AS n, count(DISTINCT source || '/' || id)::INT AS distinct_ids,
         bool_and(strftime(time, '%Y-%m-%d') = dt::VARCHAR AND hour(time) = hour::INT) AS partitioned
       FROM read_parquet('${dir}/events/*/*/*.parquet', hive_partitioning = true)`,
    );
    expect(counts).toEqual({ n: events.length, distinct_ids: events.length, partitioned: true });

    // The event JSON and its instant come back as they went in (milliseconds included).
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const row of await read(
      `SELECT id, event, epoch_ms(time)::BIGINT AS ms FROM read_parquet('${dir}/events/*/*/*.parquet')`,
    )) {
      const original = byId.get(row.id as string)!;
      expect(JSON.parse(row.event as string)).toEqual(original);
      expect(Number(row.ms)).toBe(Date.parse(original.time));
    }

    const versions = await read(
      `SELECT context_reference_id AS ref, version::INT AS version, record
       FROM read_parquet('${dir}/context_records/*/*/*.parquet') ORDER BY ref, version`,
    );
    expect(versions).toHaveLength(records.length);
    for (const row of versions) {
      const record = records.find(
        (r) => r.contextReferenceId === row.ref && r.version === row.version,
      )!;
      expect(row.record).toBe(JSON.stringify(record));
    }
  });

  it('rewrites only the hours that gained rows, and never one that did not', async () => {
    expect(await exporter().export('all')).toEqual([]);
    const late = exampleEvent('page.viewed', {
      id: 'late-1',
      time: '2026-03-11T16:30:00.125Z',
      anonymousid: 'anon-late',
    });
    events.push(late);
    await new RawEventStore(source).write([eventRow(late, 'customer-journey')]);
    // A routine pass looks only at the hours it is told changed.
    const changed = new Map([['events' as const, new Set([hourStart(Date.parse(late.time))])]]);
    const written = await exporter().export(changed);
    expect(written.map((f) => [f.path, f.rows])).toEqual([
      [
        'events/dt=2026-03-11/hour=16/part-00000.parquet',
        events.filter((e) => e.time.startsWith('2026-03-11T16')).length,
      ],
    ]);
  });

  it('backfills an empty store into the same contents', async () => {
    const report = await new LakeBackfill(copy, new LocalLakeStorage(dir)).run();
    expect(report).toMatchObject({ events: events.length, records: records.length });

    const contents = async (client: ClickHouseClient) => {
      const store = new ContextRecordStore(client);
      const references = [...new Set(records.map((r) => r.contextReferenceId))];
      return {
        ...(await lakeBackedRows(client)),
        newest: await Promise.all(references.map((ref) => store.newestRows(ref))),
      };
    };
    const [original, rebuilt] = [await contents(source), await contents(copy)];
    expect(rebuilt.events).toHaveLength(events.length);
    expect(rebuilt).toEqual(original);

    // A second backfill adds nothing a read could see.
    await new LakeBackfill(copy, new LocalLakeStorage(dir)).run();
    expect(await contents(copy)).toEqual(original);
  });
});
