import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { order12345Events } from '@ctxb/simulation';
import { ContextRecordStore, eventRow, RawEventStore } from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { order12345Records } from '../support/order-12345-records';

const ROOT = join(__dirname, '..', '..');

describe('ctxb lake export and ctxb backfill', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxb-lake-cli-'));
  const [from, to] = [
    new ClickHouseTestDatabase('e2e_lake_from'),
    new ClickHouseTestDatabase('e2e_lake_to'),
  ];
  const ctxb = (database: ClickHouseTestDatabase, ...args: string[]) =>
    spawnSync('node', [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, CTXB_CLICKHOUSE_DATABASE: database.name, CTXB_LAKE_DIRECTORY: dir },
      timeout: 60_000,
    });
  const counts = async ({ client }: ClickHouseTestDatabase) => {
    const result = await client.query({
      query: `SELECT
        (SELECT uniqExact(source, id) FROM events) AS events,
        (SELECT uniqExact(context_reference_id, version) FROM context_versions) AS versions`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ events: string; versions: string }>();
    return { events: Number(row.events), versions: Number(row.versions) };
  };

  beforeAll(async () => {
    for (const database of [from, to]) await database.create();
    const store = new ContextRecordStore(from.client);
    await store.ensureSchema();
    await new RawEventStore(from.client).write(
      order12345Events().map((e) => eventRow(e, 'customer-journey')),
    );
    await store.write(order12345Records());
  });
  afterAll(async () => {
    for (const database of [from, to]) await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains itself', () => {
    const help = ctxb(from, 'lake', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/export/);
    expect(ctxb(from, 'backfill', '--help').stdout).toMatch(/rebuild the ClickHouse store/);
  });

  it('exports the store to the lake, then rebuilds another store from it', async () => {
    const expected = {
      events: order12345Events().length,
      versions: order12345Records().length,
    };
    const exported = ctxb(from, 'lake', 'export');
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/^\d+ file\(s\), \d+ row\(s\) written to /);
    expect(ctxb(from, 'lake', 'export').stdout).toMatch(/is up to date/);

    const backfilled = ctxb(to, 'backfill');
    expect(backfilled.status).toBe(0);
    expect(backfilled.stdout).toContain(
      `${expected.events} event(s) and ${expected.versions} context version(s) written to ClickHouse database ${to.name}`,
    );
    expect(await counts(to)).toEqual(expected);
    expect(await counts(from)).toEqual(expected);
  });
});
