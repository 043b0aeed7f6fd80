import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseTestDatabase } from './clickhouse-test-database';
import { EmbeddedClickHouse } from './embedded-clickhouse';

/** A database of the test's own on one engine: `create` before use, `close` to remove it. */
export interface TestClickHouse {
  client: ClickHouseClient;
  create(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The engines the store runs on, each giving a database of the test's own named after
 * `prefix`: the local server (18.16), and the engine of current releases embedded in this
 * process. For `describe.each`.
 */
export const CLICKHOUSE_ENGINES: [string, (prefix: string) => TestClickHouse][] = [
  [
    'the local server (18.16)',
    (prefix) => {
      const database = new ClickHouseTestDatabase(prefix);
      return {
        client: database.client,
        create: () => database.create(),
        close: () => database.drop(),
      };
    },
  ],
  [
    'current ClickHouse (embedded)',
    () => {
      // Each instance is a database of its own already, made when it is opened.
      const engine = new EmbeddedClickHouse();
      return {
        client: engine.client,
        create: () => Promise.resolve(),
        close: () => engine.close(),
      };
    },
  ],
];
