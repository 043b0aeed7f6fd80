import type { ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '@ctxb/config';
import { ContextEngine, newestVersions, type ContextRecord } from '@ctxb/context';
import { trafficEvents } from '@ctxb/simulation';
import {
  checkoutPerformance,
  compactSettledMonths,
  ContextRecordStore,
  contextRows,
  createClickHouse,
  identifier,
  joinSql,
  selectRows,
  sql,
  sqlIdentifier,
  type SqlFragment,
} from '@ctxb/store';
import { SingleBar } from 'cli-progress';
import { formatRate, timed } from './bench-support';

export interface StoreBenchOptions {
  /** Store sizes to measure at, ascending (contexts). */
  sizes: number[];
  /** Lookups timed per size. */
  lookups: number;
  keep: boolean;
}

const TABLES = [
  'context_versions',
  'context_summaries',
  'context_amounts',
  'context_latest',
  'context_sessions',
  'context_touchpoints',
  'context_attribution',
  'order_state_history',
  'correlated_ids',
];

/**
 * The context store at scale: drill-down and roll-up latency at each size, and the engine's
 * insert path in rows/s. Stores are filled straight in ClickHouse from a set of real contexts
 * (the pure engine over generated traffic), copied with fresh references, order ids and
 * document ids, placed over a year. Every latency has the same run's baseline: a bare SELECT
 * of one row by primary key.
 */
export async function storeBench(options: StoreBenchOptions): Promise<void> {
  const config = loadConfig();
  const run = `bench_store_${Date.now().toString(36)}`;
  const databases = { template: `${run}_tpl`, store: run };
  const admin = createClickHouse({ ...config.clickhouse, database: 'default' });
  for (const database of Object.values(databases))
    await admin.command({ query: `CREATE DATABASE ${sqlIdentifier(database)}` });
  const template = createClickHouse({ ...config.clickhouse, database: databases.template });
  const client = createClickHouse({
    ...config.clickhouse,
    database: databases.store,
    requestTimeoutMs: 3_600_000,
  });
  try {
    const records = sampleContexts();
    console.log(
      `context store benchmark: ${records.length} real contexts as the template, sizes ${options.sizes.map((s) => s.toLocaleString('en-US')).join(', ')}`,
    );
    await insertRate(template, records);
    const store = new ContextRecordStore(client);
    await store.ensureSchema();
    const references = records.map((r) => r.contextReferenceId);
    let copies = 0;
    for (const size of options.sizes) {
      const more = Math.max(0, Math.ceil(size / records.length) - copies);
      await fill(client, databases.template, copies, more, records.length);
      copies += more;
      await measureAt(client, store, references, copies, options.lookups);
    }
  } finally {
    await template.close();
    await client.close();
    if (!options.keep)
      for (const database of Object.values(databases))
        await admin.command({ query: `DROP DATABASE IF EXISTS ${sqlIdentifier(database)}` });
    await admin.close();
  }
}

/** One newest version per order, from the pure engine over generated traffic. */
function sampleContexts(): ContextRecord[] {
  const engine = new ContextEngine();
  const events = trafficEvents({
    seed: 5,
    journeys: 6000,
    start: '2026-01-01',
    days: 28,
    includeStory: true,
  });
  return newestVersions([...events.flatMap((e) => engine.ingest(e).records), ...engine.drain()]);
}

/**
 * The engine's write path (ContextRecordStore.write, 5,000 contexts a call, every table) in
 * rows/s, against a bare insert of the same number of one-string rows into one table.
 */
async function insertRate(template: ClickHouseClient, records: ContextRecord[]): Promise<void> {
  const store = new ContextRecordStore(template);
  await store.ensureSchema();
  // The template twice over: the second round writes the same rows again (a replay).
  const rounds = 2;
  const { seconds } = await timed(async () => {
    for (let round = 0; round < rounds; round++)
      for (let i = 0; i < records.length; i += 5000) await store.write(records.slice(i, i + 5000));
  });
  const perContext = records.map((r) => {
    const c = contextRows(r);
    return (
      2 +
      c.sessions.length +
      c.touchpoints.length +
      c.attribution.length +
      c.states.length +
      c.correlations.length
    );
  });
  const rows = rounds * perContext.reduce((a, b) => a + b, 0);
  // The copies are made of each context once: the replay's repeats merged away now.
  for (const table of TABLES)
    await template.command({ query: sql`OPTIMIZE TABLE ${identifier(table)} FINAL`.text });
  await template.command({
    query: 'CREATE TABLE bare (id String) ENGINE = MergeTree() ORDER BY id',
  });
  const bare = Array.from({ length: rows }, (_, i) => ({ id: `row-${i}` }));
  const { seconds: bareSeconds } = await timed(async () => {
    for (let i = 0; i < bare.length; i += 5000 * 7)
      await template.insert({
        table: 'bare',
        format: 'JSONEachRow',
        values: bare.slice(i, i + 5000 * 7),
      });
  });
  console.log(
    `  insert, engine write path   ${formatRate(rows / seconds, 'rows/s').padStart(16)} (${formatRate((rounds * records.length) / seconds, 'contexts/s')})   ratio to a bare one-column insert ${(bareSeconds / seconds).toFixed(2)}`,
  );
}

/** Rows in all store tables of a database. */
async function rowCount(client: ClickHouseClient): Promise<number> {
  let total = 0;
  for (const table of TABLES)
    total += Number((await one(client, sql`SELECT count() AS n FROM ${identifier(table)}`)).n);
  return total;
}

/**
 * Copies every template row `copies` times into the store, copy k (from `first` on) with the
 * suffix `_k` on references, order ids and document ids, and its times moved k days on (mod a
 * year), one table and one batch of copies at a time.
 */
async function fill(
  client: ClickHouseClient,
  templateDatabase: string,
  first: number,
  copies: number,
  templateSize: number,
): Promise<void> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'filling [{bar}] {percentage}% | {table}', stream: process.stderr })
    : undefined;
  // About 500,000 contexts per statement, merges held until every table is filled: fewer,
  // larger parts, each merged once at the end instead of again and again while growing.
  const step = Math.max(1, Math.floor(500_000 / templateSize));
  for (const table of TABLES)
    await client.command({ query: sql`SYSTEM STOP MERGES ${identifier(table)}`.text });
  bar?.start(TABLES.length * Math.ceil(copies / step), 0, { table: '' });
  for (const table of TABLES) {
    const columns = (
      await selectRows<{ name: string; type: string }>(
        client,
        sql`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${table}`,
      )
    ).map((c) => ({ name: c.name, expression: copied(c.name, c.type) }));
    for (let from = 0; from < copies; from += step) {
      const count = Math.min(step, copies - from);
      await client.command({
        query:
          sql`INSERT INTO ${identifier(table)} (${joinSql(columns.map((c) => identifier(c.name)))})
          SELECT ${joinSql(columns.map((c) => c.expression))}
          FROM ${identifier(templateDatabase)}.${identifier(table)}
          CROSS JOIN (SELECT number + ${first + from} AS k FROM system.numbers LIMIT ${count}) AS copies`
            .text,
      });
      bar?.increment(1, { table });
    }
  }
  bar?.stop();
  for (const table of TABLES)
    await client.command({ query: sql`SYSTEM START MERGES ${identifier(table)}`.text });
}

const RECORD_OPENING = '{"contextReferenceId":"';

/** A template column's value in copy k. */
function copied(name: string, type: string): SqlFragment {
  const column = identifier(name);
  const suffix = sql`concat('_', toString(k))`;
  if (
    name === 'context_reference_id' ||
    name === 'order_id' ||
    (name === 'id' && type === 'String')
  )
    return sql`concat(${column}, ${suffix})`;
  if (name === 'record')
    // The record's JSON opens with its reference (18.16's replaceAll wants a constant needle).
    return sql`concat(${RECORD_OPENING}, context_reference_id, ${suffix},
      substring(${column}, ${RECORD_OPENING.length + 1} + length(context_reference_id)))`;
  if (type.startsWith('DateTime')) return sql`${column} + (k % 365) * 86400`;
  return column;
}

async function measureAt(
  client: ClickHouseClient,
  store: ContextRecordStore,
  templateRefs: string[],
  copies: number,
  lookups: number,
): Promise<void> {
  const size = templateRefs.length * copies;
  await mergesSettled(client);
  const stored = await rowCount(client);
  console.log(
    `\n  at ${size.toLocaleString('en-US')} contexts (${stored.toLocaleString('en-US')} rows in the store's tables):`,
  );
  // What the engine does to a month once it is quiet (clickhouse.compactQuietMs).
  const compaction = await timed(() => compactSettledMonths(client, { quietMs: 0 }));
  console.log(
    `    roll-up table: ${compaction.result.length} months merged into one part each in ${compaction.seconds.toFixed(1)} s`,
  );
  // Spread over the template and the copies (both strides are primes).
  const refs = Array.from({ length: lookups }, (_, i) => {
    const base = templateRefs[(i * 7919) % templateRefs.length];
    return `${base}_${(i * 104729) % copies}`;
  });
  const documents = await selectRows<{ kind: string; id: string }>(
    client,
    sql`SELECT kind, id FROM correlated_ids WHERE context_reference_id IN (${joinSql(refs.slice(0, 200).map((r) => sql`${r}`))}) LIMIT 1 BY context_reference_id`,
  );

  const baseline = await latencies(refs, (ref) =>
    selectRows(
      client,
      sql`SELECT version FROM context_versions WHERE context_reference_id = ${ref} LIMIT 1`,
    ),
  );
  // What the drill-down API reads: the newest record holds the whole journey.
  const record = await latencies(refs, (ref) => store.newestRecord(ref));
  const document = await latencies(
    documents.map((d) => [d.kind, d.id] as const),
    ([kind, id]) => store.contextsOfDocument(kind, id),
  );
  const rollUp = await latencies(
    ['2026'],
    () =>
      checkoutPerformance(client, {
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2027-01-01T00:00:00Z'),
        slowMs: 5000,
        fastMs: 2000,
      }),
    3,
  );
  const line = (name: string, l: Latency) =>
    console.log(
      `    ${name.padEnd(44)} p50 ${ms(l.p50).padStart(9)}  p99 ${ms(l.p99).padStart(9)}   ratio to baseline p50 ${(l.p50 / baseline.p50).toFixed(1)}, p99 ${(l.p99 / baseline.p99).toFixed(1)}`,
    );
  line('baseline: bare SELECT by primary key', baseline);
  line('drill-down by reference or order id', record);
  line('drill-down from an ERP document', document);
  line('roll-up: checkout performance, one year', rollUp);
  const drillDown = Math.max(record.p99, document.p99);
  const goals = [
    `drill-down p99 ≤ 20 ms → ${drillDown <= 20 ? 'met' : 'NOT met'} (${ms(drillDown)})`,
    `checkout roll-up ≤ 1 s → ${rollUp.p99 <= 1000 ? 'met' : 'NOT met'} (${ms(rollUp.p99)})`,
  ];
  for (const goal of goals) console.log(`    goal at this size: ${goal}`);
}

/**
 * Waits (up to 30 minutes) until the fill's background merges are done: they are not load.
 * Merges come in waves (a merge's result is merged again), so none for 15 s in a row.
 */
async function mergesSettled(client: ClickHouseClient): Promise<void> {
  const deadline = Date.now() + 1_800_000;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const { n } = await one(
      client,
      sql`SELECT count() AS n FROM system.merges WHERE database = currentDatabase()`,
    );
    if (Number(n) > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 15_000) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface Latency {
  p50: number;
  p99: number;
}

/** Each key once after one untimed warm-up call, one at a time; milliseconds. */
async function latencies<K>(
  keys: K[],
  work: (key: K) => Promise<unknown>,
  repeat = 1,
): Promise<Latency> {
  await work(keys[0]);
  const times: number[] = [];
  for (let r = 0; r < repeat; r++)
    for (const key of keys) times.push((await timed(() => work(key))).seconds * 1000);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function one(client: ClickHouseClient, query: SqlFragment): Promise<Record<string, unknown>> {
  return (await selectRows<Record<string, unknown>>(client, query))[0];
}
