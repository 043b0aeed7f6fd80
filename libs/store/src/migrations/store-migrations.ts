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
  {
    version: 2,
    name: 'context rows for roll-ups and drill-downs',
    // Each table holds every version; a read keeps each context's newest (see latest-rows).
    // ReplacingMergeTree on the full key: a replay writes identical rows that merges collapse.
    statements: [
      `CREATE TABLE IF NOT EXISTS context_summaries (
        context_reference_id String,
        version UInt32,
        order_id String,
        customer_id String,
        placed_at DateTime('UTC'),
        as_of DateTime('UTC'),
        currency String,
        total_micros Nullable(Int64),
        state String,
        first_touch_channel String,
        first_touch_campaign String,
        last_touch_channel String,
        last_touch_campaign String,
        touchpoints UInt16,
        sessions UInt16,
        days_to_convert Nullable(Int32),
        checkout_load_ms Nullable(UInt32),
        checkout_to_order_ms Nullable(Int64),
        hesitation_ratio Nullable(Float64),
        cart_abandons UInt16,
        products_compared UInt16,
        reviews_read UInt16,
        checkout_errors UInt16,
        discount_code String,
        quality Float64
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(placed_at)
      ORDER BY (placed_at, context_reference_id, version)`,
      `CREATE TABLE IF NOT EXISTS context_touchpoints (
        context_reference_id String,
        version UInt32,
        position UInt16,
        session UInt16,
        at DateTime('UTC'),
        channel String,
        source String,
        medium String,
        campaign String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version, position)`,
      `CREATE TABLE IF NOT EXISTS context_attribution (
        context_reference_id String,
        version UInt32,
        model String,
        channel String,
        campaign String,
        weight Float64
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version, model, channel, campaign)`,
      `CREATE TABLE IF NOT EXISTS order_state_history (
        context_reference_id String,
        version UInt32,
        position UInt16,
        state String,
        entered_at DateTime('UTC'),
        trigger String,
        time_spent_ms Nullable(Int64)
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version, position)`,
      // Drill-down from an ERP or CRM document: sorted by the document first.
      `CREATE TABLE IF NOT EXISTS correlated_ids (
        kind String,
        id String,
        context_reference_id String,
        version UInt32,
        order_id String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (kind, id, context_reference_id, version)`,
    ],
  },
  {
    version: 3,
    name: 'sessions and raw events',
    statements: [
      `CREATE TABLE IF NOT EXISTS context_sessions (
        context_reference_id String,
        version UInt32,
        position UInt16,
        started_at DateTime('UTC'),
        ended_at DateTime('UTC'),
        page_views UInt32,
        product_interactions UInt32,
        cart_modifications UInt32,
        active_ms Int64,
        channel String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version, position)`,
      // Every valid event as it came, for timelines and replays. Sorted for a device's
      // timeline; a repeated delivery has the same key, so merges collapse it and reads take
      // one row per (source, id). time_ms: the milliseconds (no DateTime64 on 18.16).
      `CREATE TABLE IF NOT EXISTS events (
        time DateTime('UTC'),
        time_ms UInt16,
        source String,
        id String,
        type String,
        anonymous_id String,
        customer_id String,
        correlation_id String,
        topic String,
        event String
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(time)
      ORDER BY (anonymous_id, time, source, id)`,
    ],
  },
  {
    version: 4,
    name: 'documents the links were written into',
    statements: [
      // Records the delivery wrote a context's reference into (an ERP order, invoice or journal
      // line; a CRM record), reported back by the connectors: the drill-down from those ids.
      `CREATE TABLE IF NOT EXISTS document_links (
        kind String,
        id String,
        context_reference_id String,
        system String,
        linked_at DateTime('UTC')
      ) ENGINE = ReplacingMergeTree(linked_at)
      ORDER BY (kind, id, context_reference_id, system)`,
    ],
  },
  {
    version: 5,
    name: 'record versions in small granules',
    // A drill-down reads one record (~5 KB of JSON), but ClickHouse reads whole index granules
    // (8,192 rows by default, ~40 MB of records): hundreds of milliseconds a lookup. The same
    // table with granules of 64 rows makes that one granule of ~300 KB. The copy may run twice
    // (an interrupted or concurrent start): repeated rows collapse like a replay's.
    // context_records stays for processes of the previous version during an upgrade; drop it
    // once every engine runs this one.
    statements: [
      `CREATE TABLE IF NOT EXISTS context_versions (
        context_reference_id String,
        version UInt32,
        order_id String,
        customer_id String,
        as_of DateTime('UTC'),
        record String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (context_reference_id, version)
      SETTINGS index_granularity = 64`,
      `INSERT INTO context_versions (context_reference_id, version, order_id, customer_id, as_of, record)
      SELECT context_reference_id, version, order_id, customer_id, as_of, record FROM context_records`,
    ],
  },
  {
    version: 6,
    name: 'order amounts by module',
    statements: [
      // What each module reports about an order's money, gross and net, per version (the
      // newest is read): the shop's order, AR's invoices, GL's revenue lines.
      `CREATE TABLE IF NOT EXISTS context_amounts (
        context_reference_id String,
        version UInt32,
        placed_at DateTime('UTC'),
        currency String,
        realized UInt8,
        ordered_gross_micros Int64,
        ordered_net_micros Int64,
        ar_gross_micros Int64,
        ar_net_micros Int64,
        gl_gross_micros Int64,
        gl_net_micros Int64,
        paid_micros Int64,
        refunded_micros Int64,
        returned_micros Int64
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(placed_at)
      ORDER BY (placed_at, context_reference_id, version)`,
    ],
  },
  {
    version: 7,
    name: 'the newest summary of each context, for roll-ups',
    // Roll-ups that kept each context's newest version with GROUP BY reference spent seconds
    // on a hash table of every context. Here the versions of a context share one sort key
    // (an order's placed time never changes), so merges keep only the highest version and
    // FINAL reads the rest in sort order: several times faster at millions of contexts. The
    // copy may run twice: the newest version wins either way.
    statements: [
      `CREATE TABLE IF NOT EXISTS context_latest AS context_summaries
      ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYYYYMM(placed_at)
      ORDER BY (placed_at, context_reference_id)`,
      `INSERT INTO context_latest SELECT * FROM context_summaries`,
    ],
  },
  {
    version: 8,
    name: 'delivery log',
    statements: [
      // Every try of every link job: what the worker wrote where, or why not. Read by
      // reference (a context's deliveries) and by time (what failed lately).
      `CREATE TABLE IF NOT EXISTS deliveries (
        at DateTime('UTC'),
        at_ms UInt16,
        connector String,
        target String,
        context_reference_id String,
        version UInt32,
        order_id String,
        job_id String,
        attempt UInt32,
        status String,
        record_ids Array(String),
        failure_kind String,
        error String,
        duration_ms UInt32
      ) ENGINE = MergeTree()
      PARTITION BY toYYYYMM(at)
      ORDER BY (context_reference_id, at, at_ms)`,
    ],
  },
  {
    version: 9,
    name: 'ERP amounts read back by the connectors',
    statements: [
      // The money each ERP document holds as the worker read it after linking it (an order's
      // total, an invoice's amount, a journal's posted revenue), per currency. A later reading
      // replaces an earlier one of the same document.
      `CREATE TABLE IF NOT EXISTS erp_amounts (
        context_reference_id String,
        connector String,
        target String,
        document String,
        currency String,
        read_ms UInt64,
        version UInt32,
        amount_micros Int64,
        rows UInt32
      ) ENGINE = ReplacingMergeTree(read_ms)
      ORDER BY (context_reference_id, connector, target, document, currency)`,
    ],
  },
];
