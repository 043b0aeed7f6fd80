import { parquetReadObjects } from 'hyparquet';
import { order12345Events } from '@ctxb/simulation';
import {
  ContextRecordStore,
  eventRow,
  LakeBackfill,
  LakeExporter,
  lakeStorageOf,
  RawEventStore,
  S3LakeStorage,
} from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { lakeBackedRows } from '../support/lake-contents';
import { order12345Records } from '../support/order-12345-records';
import { S3_DOUBLE_CREDENTIALS, startS3Double, type S3Double } from '../support/s3-double';
import { testConfig } from '../support/test-config';

describe('Parquet lake in S3: export, read back, backfill', () => {
  const config = testConfig();
  const databases = [
    new ClickHouseTestDatabase('it_s3lake_src'),
    new ClickHouseTestDatabase('it_s3lake_copy'),
  ];
  const [source, copy] = databases.map((database) => database.client);
  const events = order12345Events();
  const records = order12345Records();
  let s3: S3Double;
  let lake: S3LakeStorage;

  beforeAll(async () => {
    s3 = await startS3Double('ctxb-lake');
    // The AWS SDK's usual credential source, as in production.
    process.env.AWS_ACCESS_KEY_ID = S3_DOUBLE_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_DOUBLE_CREDENTIALS.secretAccessKey;
    const storage = lakeStorageOf({
      ...config.lake,
      s3: {
        bucket: s3.bucket,
        prefix: 'context-bridge/',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
      },
    });
    expect(storage).toBeInstanceOf(S3LakeStorage);
    lake = storage as S3LakeStorage;
    for (const database of databases) await database.create();
    for (const client of [source, copy]) await new ContextRecordStore(client).ensureSchema();
    await new RawEventStore(source).write(events.map((e) => eventRow(e, 'customer-journey')));
    await new ContextRecordStore(source).write(records);
  });
  afterAll(async () => {
    for (const database of databases) await database.drop();
    await s3?.close();
  });

  it('reads, writes and lists objects under its prefix, as folders', async () => {
    expect(lake.location).toBe('s3://ctxb-lake/context-bridge/');
    expect(await lake.read('events/none.parquet')).toBeUndefined();
    await lake.write('probe/b.bin', new Uint8Array([2]));
    await lake.write('probe/a.bin', new Uint8Array([1]));
    await lake.write('probe_other/c.bin', new Uint8Array([3]));
    // Replaced whole.
    await lake.write('probe/a.bin', new Uint8Array([1, 1]));
    expect(await lake.read('probe/a.bin')).toEqual(new Uint8Array([1, 1]));
    expect(await lake.list('probe')).toEqual(['probe/a.bin', 'probe/b.bin']);
    expect(await lake.list('nothing')).toEqual([]);
    await expect(lake.write('../escape.bin', new Uint8Array([0]))).rejects.toThrow(/outside/);
  });

  it('lists past a page of 1,000 keys', async () => {
    const keys = Array.from({ length: 1_010 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => lake.write(k, new Uint8Array([1]))));
    expect(await lake.list('many')).toEqual(keys);
  });

  it('holds the hourly Parquet files a reader gets back, and a backfill from them equals the store', async () => {
    const written = await new LakeExporter(source, lake, {}).export('all');
    const hours = new Set(events.map((e) => e.time.slice(0, 13)));
    expect(written.filter((f) => f.dataset === 'events')).toHaveLength(hours.size);
    expect(await lake.list('events')).toEqual(
      written
        .filter((f) => f.dataset === 'events')
        .map((f) => f.path)
        .sort(),
    );

    // Read back with an independent reader, straight from the bucket.
    const ids: string[] = [];
    for (const path of await lake.list('events')) {
      const bytes = (await lake.read(path))!;
      const rows = await parquetReadObjects({ file: bytes.slice().buffer });
      ids.push(...rows.map((r) => String(r.id)));
    }
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());

    const report = await new LakeBackfill(copy, lake).run();
    expect(report).toMatchObject({ events: events.length, records: records.length });
    expect(await lakeBackedRows(copy)).toEqual(await lakeBackedRows(source));
  });
});
