import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { STORE_QUERY_SETTINGS } from '@ctxb/store';

interface QueryParams {
  query: string;
  format?: string;
}

interface InsertParams {
  table: string;
  format?: string;
  columns?: string[];
  values: readonly Record<string, unknown>[] | Readable;
}

/** A result as @clickhouse/client hands it over: the whole text, rows, or rows as they come. */
class EmbeddedResult {
  constructor(private readonly output: string) {}

  text(): Promise<string> {
    return Promise.resolve(this.output);
  }

  json<T>(): Promise<T[]> {
    return Promise.resolve(this.lines().map((line) => JSON.parse(line) as T));
  }

  /** One chunk of every row, each row with `json()` and `text`, as the client streams them. */
  async *stream(): AsyncGenerator<{ text: string; json<T>(): T }[]> {
    yield await Promise.resolve(
      this.lines().map((text) => ({ text, json: <T>() => JSON.parse(text) as T })),
    );
  }

  private lines(): string[] {
    return this.output.split('\n').filter((line) => line !== '');
  }
}

/**
 * The ClickHouse engine of current releases in this process (chDB, the engine as a library),
 * behind the part of @clickhouse/client the store uses: `query` (JSONEachRow and the other
 * text formats), `insert` (rows as JSONEachRow), `exec` (an insert with its rows as a stream of
 * text) and `command`.
 * The local server is 18.16; tests run the same statements on both to keep the store working
 * on each. For tests only: each instance a throwaway database, all in one temporary directory.
 */
export class EmbeddedClickHouse {
  /** chDB opens one data directory per process: every instance is a database in it. */
  private static session: Session | undefined;
  private static open = 0;
  private static current = '';
  private static made = 0;
  /** This instance's database, the one its statements run in. */
  readonly database = `embedded_${process.pid}_${++EmbeddedClickHouse.made}`;

  constructor() {
    EmbeddedClickHouse.session ??= new Session();
    EmbeddedClickHouse.open++;
    // As every request of the store's own client carries them.
    for (const [name, value] of Object.entries(STORE_QUERY_SETTINGS))
      this.session.query(`SET ${name} = ${value}`);
    this.session.query(`CREATE DATABASE ${this.database}`);
  }

  private get session(): Session {
    if (!EmbeddedClickHouse.session) throw new Error('the embedded ClickHouse is closed');
    return EmbeddedClickHouse.session;
  }

  /** The facade, typed as the client the store's functions take. */
  get client(): ClickHouseClient {
    return this as unknown as ClickHouseClient;
  }

  query({ query, format = 'JSON' }: QueryParams): Promise<EmbeddedResult> {
    return Promise.resolve(new EmbeddedResult(this.run(query, format)));
  }

  command({ query }: { query: string }): Promise<{ query_id: string }> {
    this.run(query, 'TabSeparated');
    return Promise.resolve({ query_id: '' });
  }

  async insert({ table, format = 'JSONEachRow', columns, values }: InsertParams): Promise<void> {
    const data =
      values instanceof Readable
        ? await text(values)
        : values.map((row) => JSON.stringify(row)).join('\n');
    if (data === '') return;
    const names = columns ? ` (${columns.join(', ')})` : '';
    this.run(`INSERT INTO ${table}${names} FORMAT ${format}\n${data}`, 'TabSeparated');
  }

  /** A statement with its data as a stream (an INSERT … FORMAT …); its answer is empty. */
  async exec({
    query,
    values,
  }: {
    query: string;
    values: Readable;
  }): Promise<{ stream: Readable }> {
    this.run(`${query}\n${await text(values)}`, 'TabSeparated');
    return { stream: Readable.from([]) };
  }

  /** Drops this instance's database; the last one open closes the engine. */
  close(): Promise<void> {
    this.session.query(`DROP DATABASE IF EXISTS ${this.database}`);
    if (EmbeddedClickHouse.current === this.database) EmbeddedClickHouse.current = '';
    if (--EmbeddedClickHouse.open === 0) {
      this.session.close();
      EmbeddedClickHouse.session = undefined;
    }
    return Promise.resolve();
  }

  private run(query: string, format: string): string {
    try {
      if (EmbeddedClickHouse.current !== this.database) {
        this.session.query(`USE ${this.database}`);
        EmbeddedClickHouse.current = this.database;
      }
      return this.session.query(query, format);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n  in: ${query.slice(0, 2000)}`, {
        cause: error,
      });
    }
  }
}

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream)
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}
