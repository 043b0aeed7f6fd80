import {
  appliedVersions,
  ContextRecordStore,
  migrate,
  STORE_MIGRATIONS,
  type Migration,
} from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { uniqueName } from '../support/test-config';

describe('store migrations on ClickHouse', () => {
  const database = new ClickHouseTestDatabase('it_migrations');
  const { client } = database;

  beforeAll(() => database.create());
  afterAll(() => database.drop());

  async function tables(): Promise<string[]> {
    const result = await client.query({
      query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
      format: 'JSONEachRow',
    });
    return (await result.json<{ name: string }>()).map((r) => r.name);
  }

  it('creates the schema once, records each version, and does nothing the second time', async () => {
    const first = await migrate(client, STORE_MIGRATIONS);
    expect(first.applied.map((m) => m.version)).toEqual(STORE_MIGRATIONS.map((m) => m.version));
    expect(await tables()).toEqual(
      expect.arrayContaining([
        'context_records',
        'context_versions',
        'context_summaries',
        'context_amounts',
        'context_latest',
        'document_links',
        'context_sessions',
        'context_touchpoints',
        'context_attribution',
        'order_state_history',
        'correlated_ids',
        'events',
        'schema_migrations',
      ]),
    );
    const second = await migrate(client, STORE_MIGRATIONS);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(STORE_MIGRATIONS.map((m) => m.version));
    expect(await appliedVersions(client)).toEqual(STORE_MIGRATIONS.map((m) => m.version));
  });

  it('leaves a failed step unrecorded and finishes it on the next run', async () => {
    const table = uniqueName('it_step');
    const broken: Migration = {
      version: 1000,
      name: 'a step that fails half-way',
      statements: [
        `CREATE TABLE IF NOT EXISTS ${table} (id UInt32) ENGINE = MergeTree() ORDER BY id`,
        'THIS IS NOT SQL',
      ],
    };
    await expect(migrate(client, [...STORE_MIGRATIONS, broken])).rejects.toThrow();
    expect(await appliedVersions(client)).not.toContain(1000);
    expect(await tables()).toContain(table);

    const fixed: Migration = { ...broken, statements: [broken.statements[0]] };
    const result = await migrate(client, [...STORE_MIGRATIONS, fixed]);
    expect(result.applied.map((m) => m.version)).toEqual([1000]);
    expect(await appliedVersions(client)).toContain(1000);
  });

  it('adopts a database whose tables predate the migrations table', async () => {
    const older = new ClickHouseTestDatabase('it_adopt');
    const olderClient = older.client;
    await older.create();
    try {
      await olderClient.command({ query: STORE_MIGRATIONS[0].statements[0] });
      await olderClient.insert({
        table: 'context_records',
        format: 'JSONEachRow',
        values: [
          {
            context_reference_id: 'ctx_1',
            version: 1,
            order_id: '1',
            customer_id: '',
            as_of: '2026-03-14 16:05:00',
            record: '{}',
          },
        ],
      });
      await migrate(olderClient, STORE_MIGRATIONS);
      // Kept where it was, and copied into the table reads use now.
      for (const table of ['context_records', ContextRecordStore.TABLE]) {
        const result = await olderClient.query({
          query: `SELECT count() AS n FROM ${table}`,
          format: 'JSONEachRow',
        });
        expect(await result.json()).toEqual([{ n: '1' }]);
      }
    } finally {
      await older.drop();
    }
  });
});
