import type { Migration } from './migrator';

/**
 * The store's schema, step by step. Append new steps; never edit one that has shipped.
 * Every statement runs on ClickHouse 18.16 and on current ClickHouse.
 */
export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'context records',
    statements: [
      // One row per (reference, version); replays write the same rows again and merges
      // collapse them, so reads group by the key (or use FINAL).
      `CREATE TABLE IF NOT EXISTS context_records (
        context_reference_id String,
        version UInt32,
        order_id String,
        customer_id String,
        as_of DateTime('UTC'),
        record String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version)`,
    ],
  },
];
