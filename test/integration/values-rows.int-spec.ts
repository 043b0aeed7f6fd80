import { connect } from 'node:net';
import fc from 'fast-check';
import type { ClickHouseClient } from '@clickhouse/client';
import { identifier, insertRows, insertRowsText, selectRows, sql, valuesRows } from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { CLICKHOUSE_ENGINES } from '../support/clickhouse-engines';
import { testConfig, uniqueName } from '../support/test-config';

interface Row {
  id: string;
  n: number;
  text: string;
}
const COLUMNS: [keyof Row, ...(keyof Row)[]] = ['id', 'n', 'text'];

/** The table the tests insert Rows into. */
function createRowsTable(client: ClickHouseClient, table: string) {
  return client.command({
    query: sql`CREATE TABLE ${identifier(table)} (id String, n Int64, text String)
      ENGINE = MergeTree ORDER BY id`.text,
  });
}

/** Text that could end a row, a field or a literal if it were not escaped. */
const HOSTILE = [
  ')',
  "')\n('x',1,'",
  "'",
  '\\',
  "\\'",
  '\n',
  '\r\n',
  '\t',
  '\0',
  ',',
  '(',
  '{"order":{"id":"12345","note":"a \\"quoted\\" )"}}',
  '😀 注文 café',
];

/**
 * Rows as the store inserts them (the Values format), against real engines: every field comes
 * back exactly, and a body cut short anywhere inside a row is refused whole — nothing of it is
 * stored — on 18.16 and on current releases.
 */
describe.each(CLICKHOUSE_ENGINES)('Values rows on %s', (_engine, open) => {
  const { client, create, close } = open('it_values_rows');
  const table = uniqueName('values_rows');

  beforeAll(async () => {
    await create();
    await createRowsTable(client, table);
  });
  afterAll(() => close());

  const stored = async (): Promise<Row[]> =>
    (
      await selectRows<Row>(client, sql`SELECT id, n, text FROM ${identifier(table)} ORDER BY id`)
    ).map((r) => ({ ...r, n: Number(r.n) }));
  const truncate = () => client.command({ query: sql`TRUNCATE TABLE ${identifier(table)}`.text });

  it('returns every field exactly, hostile text included (property)', async () => {
    await truncate();
    const rows = HOSTILE.map((text, i) => ({ id: `h${i}${text}`, n: i - 5, text }));
    await insertRows(client, table, COLUMNS, rows);
    expect(await stored()).toEqual([...rows].sort((a, b) => (a.id < b.id ? -1 : 1)));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            id: fc.string({ unit: 'grapheme', maxLength: 20 }),
            n: fc.maxSafeInteger(),
            text: fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 60 }),
              fc.string({ unit: 'binary-ascii', maxLength: 60 }),
            ),
          }),
          { selector: (row) => row.id, minLength: 1, maxLength: 15 },
        ),
        async (rows) => {
          await truncate();
          await insertRows(client, table, COLUMNS, rows);
          const byId = new Map((await stored()).map((r) => [r.id, r]));
          expect(rows.map((r) => byId.get(r.id))).toEqual(rows);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses a body cut short anywhere inside a row, and stores none of it', async () => {
    await truncate();
    const rows = HOSTILE.slice(0, 4).map((text, i) => ({ id: `c${i}`, n: i, text }));
    const body = Buffer.from(valuesRows(rows, COLUMNS));
    // Every cut but where whole rows end: after a row's closing parenthesis or its line end
    // (a line feed is only ever a row's end; in a literal it is escaped).
    const cuts = [...body.keys()].filter(
      (at) => at > 0 && body[at - 1] !== 0x0a && body[at] !== 0x0a,
    );
    expect(cuts.length).toBeGreaterThan(40);
    for (const at of cuts)
      await expect(
        insertRowsText(client, table, COLUMNS, [body.subarray(0, at)]),
      ).rejects.toThrow();
    expect(await stored()).toEqual([]);
  });
});

/**
 * Sends an insert as a chunked HTTP request with only the first `sent` bytes of `body`, then
 * ends the connection as a killed writer's kernel does (no closing chunk); resolves with what
 * the server answered once it has closed the connection.
 */
function insertCutShort(query: string, body: Buffer, sent: number): Promise<string> {
  const { url, username, password } = testConfig().clickhouse;
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = [
        `POST /?query=${encodeURIComponent(query)} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `X-ClickHouse-User: ${username}`,
        `X-ClickHouse-Key: ${password}`,
        'Transfer-Encoding: chunked',
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      socket.write(`${body.length.toString(16)}\r\n`);
      socket.end(body.subarray(0, sent));
    });
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(answer).toString()));
  });
}

describe('an insert whose writer dies half-way, on the local server (18.16)', () => {
  const database = new ClickHouseTestDatabase('it_values_drop');
  const { client } = database;
  const table = uniqueName('values_drop');

  beforeAll(async () => {
    await database.create();
    await createRowsTable(client, table);
  });
  afterAll(() => database.drop());

  it('is refused and stores nothing (18.16 parses what arrived of a body)', async () => {
    const body = Buffer.from(
      valuesRows(
        [
          { id: 'a', n: 1, text: '{"order":"12345"}' },
          { id: 'b', n: 2, text: '{"order":"12346"}' },
        ],
        COLUMNS,
      ),
    );
    const into = `INSERT INTO ${database.name}.${table} (id, n, text) FORMAT Values`;
    // Cut inside the second row's last field: the first row is whole, the second is not.
    const answer = await insertCutShort(into, body, body.length - 6);
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(await selectRows(client, sql`SELECT id FROM ${identifier(table)}`)).toEqual([]);
  });
});
