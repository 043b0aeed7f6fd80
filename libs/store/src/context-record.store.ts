import type { ClickHouseClient } from '@clickhouse/client';
import { newestVersions, type ContextRecord } from '@ctxb/context';
import { clickHouseDateTime, contextRows } from './context-rows';
import { migrate } from './migrations/migrator';
import { identifier, joinSql, raw, sql, type SqlFragment } from './sql/sql';
import { insertRows, selectRows } from './clickhouse-client';
import { STORE_MIGRATIONS } from './migrations/store-migrations';

/** A context's newest stored version. */
export interface NewestContext {
  contextReferenceId: string;
  version: number;
  record: ContextRecord;
}

/** A context's newest version as stored: the record and the rows the queries read. */
export interface StoredContext {
  version: number;
  record: ContextRecord;
  sessions: Record<string, unknown>[];
  touchpoints: Record<string, unknown>[];
  attribution: Record<string, unknown>[];
  states: Record<string, unknown>[];
  correlations: Record<string, unknown>[];
}

/**
 * Kinds of records a connector wrote a context's reference into: ERP documents by their ERP
 * id, and CRM records (a Salesforce Opportunity or Order id).
 */
export const LINKED_DOCUMENT_KINDS = ['crm', 'erp-order', 'erp-invoice', 'erp-journal'] as const;
export type LinkedDocumentKind = (typeof LINKED_DOCUMENT_KINDS)[number];

/** A record of another system that carries a context's reference, as its connector reported it. */
export interface DocumentLink {
  kind: LinkedDocumentKind;
  id: string;
  contextReferenceId: string;
  /** Which system holds it: a connector profile or CRM name (`sample-erp`, `salesforce`). */
  system: string;
  linkedAt: Date;
}

/** One row per (contextReferenceId, version): the whole record as JSON plus the keys to find it. */
export interface ContextRecordRow {
  context_reference_id: string;
  version: number;
  order_id: string;
  customer_id: string;
  as_of: string;
  record: string;
}

/** The columns of a ContextRecordRow, in the order they are written. */
export const RECORD_COLUMNS: [keyof ContextRecordRow, ...(keyof ContextRecordRow)[]] = [
  'context_reference_id',
  'version',
  'order_id',
  'customer_id',
  'as_of',
  'record',
];

/** The record table's row of one version: the whole record as JSON plus its keys. */
export function contextRecordRow(record: ContextRecord): ContextRecordRow {
  return {
    context_reference_id: record.contextReferenceId,
    version: record.version,
    order_id: record.order.orderId,
    customer_id: record.order.customerId ?? '',
    as_of: clickHouseDateTime(record.asOf),
    record: JSON.stringify(record),
  };
}

/**
 * Context record versions in ClickHouse. Writes are idempotent: the table collapses rows of
 * the same (contextReferenceId, version), so replaying the engine after a crash writes the same
 * rows again without creating duplicates. Reads that must not see duplicates before a merge
 * use FINAL or group by the key.
 */
export class ContextRecordStore {
  static readonly TABLE = 'context_versions';

  constructor(private readonly client: ClickHouseClient) {}

  /** Brings the database's schema up to date (see STORE_MIGRATIONS). */
  async ensureSchema(): Promise<void> {
    await migrate(this.client, STORE_MIGRATIONS);
  }

  /**
   * Every table in one insert each, in three steps, so that a reader never finds a version
   * before the rows it leads to:
   * 1. the detail tables (sessions, touchpoints, attribution, states, correlated ids);
   * 2. the tables roll-ups start from (context_latest, context_amounts): a context counted in
   *    a report by then has every row the report joins to it;
   * 3. the record table: a version is readable once its record is there.
   * Each step covers the newest version of each context in the call, the only one
   * newest-version reads can pick.
   */
  async write(records: readonly ContextRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.writeQueryTables(records);
    await this.writeRecordRows(records.map(contextRecordRow));
  }

  /**
   * The rows roll-ups and drill-downs read, for the newest version of each context among
   * `records` (reads never look at older ones, and they are far fewer rows): the detail
   * tables first, then the tables reports start from (see write).
   */
  async writeQueryTables(records: readonly ContextRecord[]): Promise<void> {
    const rows = newestVersions(records).map(contextRows);
    await this.insertAll([
      ['context_summaries', rows.map((r) => r.summary)],
      ['context_sessions', rows.flatMap((r) => r.sessions)],
      ['context_touchpoints', rows.flatMap((r) => r.touchpoints)],
      ['context_attribution', rows.flatMap((r) => r.attribution)],
      ['order_state_history', rows.flatMap((r) => r.states)],
      ['correlated_ids', rows.flatMap((r) => r.correlations)],
    ]);
    await this.insertAll([
      ['context_latest', rows.map((r) => r.summary)],
      ['context_amounts', rows.map((r) => r.amounts)],
    ]);
  }

  /** Record versions as they are stored (say, read back from the lake). */
  async writeRecordRows(rows: readonly ContextRecordRow[]): Promise<void> {
    await insertRows(this.client, ContextRecordStore.TABLE, RECORD_COLUMNS, rows);
  }

  private async insertAll(tables: [string, object[]][]): Promise<void> {
    await Promise.all(tables.map(([table, values]) => this.insert(table, values)));
  }

  private async insert(table: string, values: readonly object[]): Promise<void> {
    if (values.length > 0) await this.client.insert({ table, format: 'JSONEachRow', values });
  }

  /** The newest stored version of a context with its record, or undefined. */
  async newestRecord(
    contextReferenceId: string,
  ): Promise<{ version: number; record: ContextRecord } | undefined> {
    const [newest] = await this.newestRecordsOf(sql`${contextReferenceId}`);
    return newest && { version: newest.version, record: newest.record };
  }

  /** One stored version of a context, or undefined. */
  async recordAt(contextReferenceId: string, version: number): Promise<ContextRecord | undefined> {
    const [row] = await selectRows<{ record: string }>(
      this.client,
      sql`SELECT record FROM ${identifier(ContextRecordStore.TABLE)}
        WHERE context_reference_id = ${contextReferenceId} AND version = ${version}
        LIMIT 1`,
    );
    return row && (JSON.parse(row.record) as ContextRecord);
  }

  /**
   * The rows of a context's newest version (never a superseded version, never a repeated
   * row from a replay that merges have not collapsed yet), or undefined.
   */
  async newestRows(contextReferenceId: string): Promise<StoredContext | undefined> {
    const newest = await this.newestRecord(contextReferenceId);
    if (!newest) return undefined;
    const of = (table: string, order: string) =>
      selectRows<Record<string, unknown>>(
        this.client,
        sql`SELECT DISTINCT * FROM ${identifier(table)}
          WHERE context_reference_id = ${contextReferenceId} AND version = ${newest.version}
          ORDER BY ${raw(order)}`,
      );
    const [sessions, touchpoints, attribution, states, correlations] = await Promise.all([
      of('context_sessions', 'position'),
      of('context_touchpoints', 'position'),
      of('context_attribution', 'model, channel, campaign'),
      of('order_state_history', 'position'),
      of('correlated_ids', 'kind, id'),
    ]);
    return { ...newest, sessions, touchpoints, attribution, states, correlations };
  }

  /** Records that now carry a context's reference (idempotent: a repeat changes nothing). */
  async linkDocuments(links: readonly DocumentLink[]): Promise<void> {
    await this.insert(
      'document_links',
      links.map((l) => ({
        kind: l.kind,
        id: l.id,
        context_reference_id: l.contextReferenceId,
        system: l.system,
        linked_at: clickHouseDateTime(l.linkedAt.toISOString()),
      })),
    );
  }

  /**
   * The drill-down from an ERP or CRM record: the newest records of the contexts whose newest
   * version names the document (an invoice number, a GL journal id, a payment id …), or, for
   * the linked kinds (`crm`, `erp-order`, …), of the contexts whose reference a connector
   * wrote into that record. In reference order, a page at a time.
   */
  async contextsOfDocument(
    kind: string,
    id: string,
    page: { limit: number; offset: number } = { limit: 1000, offset: 0 },
  ): Promise<NewestContext[]> {
    if ((LINKED_DOCUMENT_KINDS as readonly string[]).includes(kind))
      // 18.16 knows LIMIT offset, count (not LIMIT … OFFSET …).
      return this.newestRecordsOf(
        sql`SELECT DISTINCT context_reference_id FROM document_links
          WHERE kind = ${kind} AND id = ${id}
          ORDER BY context_reference_id LIMIT ${page.offset}, ${page.limit}`,
      );
    // The contexts any version of which named it, with the highest such version; then their
    // newest records, kept when that is the same version. Two index lookups: one statement
    // reading correlated_ids twice (for the candidates and for the check) took longer.
    // A document belongs to one order or a few, so the page is cut from the whole list here.
    const named = await selectRows<{ context_reference_id: string; naming_version: number }>(
      this.client,
      sql`SELECT context_reference_id, max(version) AS naming_version FROM correlated_ids
        WHERE kind = ${kind} AND id = ${id} GROUP BY context_reference_id`,
    );
    if (named.length === 0) return [];
    const naming = new Map(named.map((r) => [r.context_reference_id, Number(r.naming_version)]));
    const newest = await this.newestRecordsOf(
      joinSql(named.map((r) => sql`${r.context_reference_id}`)),
    );
    return newest
      .filter((c) => naming.get(c.contextReferenceId) === c.version)
      .slice(page.offset, page.offset + page.limit);
  }

  /**
   * The newest stored record of each context in `references` (a list of references or a query
   * of them), in reference order: one index lookup per context.
   */
  private async newestRecordsOf(references: SqlFragment): Promise<NewestContext[]> {
    const rows = await selectRows<{
      context_reference_id: string;
      version: number;
      record: string;
    }>(
      this.client,
      sql`SELECT context_reference_id, version, record FROM ${identifier(ContextRecordStore.TABLE)}
        WHERE context_reference_id IN (${references})
        ORDER BY context_reference_id, version DESC
        LIMIT 1 BY context_reference_id`,
    );
    return rows.map((r) => ({
      contextReferenceId: r.context_reference_id,
      version: Number(r.version),
      record: JSON.parse(r.record) as ContextRecord,
    }));
  }

  /** Every stored version, each (reference, version) once, for replays and checks. */
  async allVersions(): Promise<{ contextReferenceId: string; version: number; record: string }[]> {
    const rows = await selectRows<{
      context_reference_id: string;
      version: number;
      content: string;
      variants: string | number;
    }>(
      this.client,
      sql`SELECT context_reference_id, version, any(record) AS content, uniqExact(record) AS variants
        FROM ${identifier(ContextRecordStore.TABLE)}
        GROUP BY context_reference_id, version
        ORDER BY context_reference_id, version`,
    );
    return rows.map((row) => {
      if (Number(row.variants) !== 1)
        throw new Error(
          `${row.context_reference_id} v${row.version} was stored with ${row.variants} different contents`,
        );
      return {
        contextReferenceId: row.context_reference_id,
        version: Number(row.version),
        record: row.content,
      };
    });
  }
}
