import fc from 'fast-check';
import { sql, sqlLiteral, type SqlValue } from '@ctxb/store';
import { CLICKHOUSE_ENGINES } from '../support/clickhouse-engines';

/**
 * The escaping function against real engines: whatever goes in as a literal comes back as
 * exactly that value, and nothing in a string can end the literal or reach the query around
 * it, on 18.16 and on current releases.
 */
describe.each(CLICKHOUSE_ENGINES)('SQL literals on %s', (_engine, open) => {
  const { client, create, close } = open('it_sql_literal');
  beforeAll(() => create());
  afterAll(() => close());

  async function selectBack(values: readonly SqlValue[]) {
    const columns = values.map((v, i) => `${sqlLiteral(v)} AS v${i}`).join(', ');
    const result = await client.query({ query: `SELECT ${columns}`, format: 'JSONEachRow' });
    const [row] = await result.json<Record<string, unknown>>();
    return values.map((_, i) => row[`v${i}`]);
  }

  it('returns every string exactly, hostile ones included (property)', async () => {
    const hostile = [
      "'",
      "\\'",
      '\\',
      "x' OR '1'='1",
      "'; DROP TABLE context_records; --",
      '\0',
      '\u0000\u0001\u001f\u007f',
      '\n\r\t\b\f\v\x07',
      '😀 注文 café \u2028',
      '/* */ -- #',
      '`"',
      '\\x41\\n',
    ];
    expect(await selectBack(hostile)).toEqual(hostile);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 40 }),
            fc.string({ unit: 'binary-ascii', maxLength: 40 }),
          ),
          { minLength: 1, maxLength: 25 },
        ),
        async (strings) => {
          expect(await selectBack(strings)).toEqual(strings);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns numbers, booleans and NULL as the same values', async () => {
    const values: SqlValue[] = [0, 42, -5, 19.99, -0.5, 1e-7, 2 ** 53 - 1, true, false, null];
    const back = await selectBack(values);
    expect(back.map((v) => (v === null ? null : Number(v)))).toEqual([
      0,
      42,
      -5,
      19.99,
      -0.5,
      1e-7,
      2 ** 53 - 1,
      1,
      0,
      null,
    ]);
    // `1 - <negative>` stays arithmetic, never a comment.
    const result = await client.query({
      query: sql`SELECT 1 - ${-1} AS two, ${18446744073709551615n} AS max_u64`.text,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ two: 2, max_u64: '18446744073709551615' }]);
  });

  it('returns instants in UTC and arrays element by element', async () => {
    const at = new Date('2026-03-14T16:05:00Z');
    const result = await client.query({
      query: `SELECT toString(${sqlLiteral(at)}) AS text, toTypeName(${sqlLiteral(at)}) AS type`,
      format: 'JSONEachRow',
    });
    const [{ text, type }] = await result.json<{ text: string; type: string }>();
    expect(text).toBe('2026-03-14 16:05:00');
    expect(type).toBe("DateTime('UTC')");
    expect(await selectBack([['a', "b'c", '\\'], [1, -2], []])).toEqual([
      ['a', "b'c", '\\'],
      [1, -2],
      [],
    ]);
  });
});
