import type { ClickHouseClient } from '@clickhouse/client';
import { fromMicros, toMicros } from '@ctxb/context';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { selectRows } from '../clickhouse-client';
import { sql, type SqlFragment } from '../sql/sql';

/** The newest reading of one ERP document's money for one context. */
export interface ErpAmountReading {
  connector: string;
  target: string;
  document: string;
  currency: string;
  amount: string;
  rows: number;
  /** The context version whose delivery read it, and when. */
  version: number;
  readAt: Date;
}

interface ErpAmountRow {
  context_reference_id: string;
  connector: string;
  target: string;
  document: string;
  currency: string;
  read_ms: number;
  version: number;
  amount_micros: string;
  rows: number;
}

/**
 * ERP amounts in ClickHouse (table `erp_amounts`): what the worker read back from each ERP
 * document it linked, kept per context, connector, module, document and currency; the newest
 * reading counts.
 */
export class ErpAmountStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** The readings the attempts carry (amounts beyond Int64 micro-units are left out). */
  async write(attempts: readonly DeliveryAttempt[]): Promise<void> {
    const values = attempts.flatMap((a) =>
      (a.amounts ?? []).flatMap((amount): ErpAmountRow[] => {
        const micros = toMicros(amount.amount);
        if (micros === null) return [];
        return [
          {
            context_reference_id: a.contextReferenceId,
            connector: a.connector,
            target: a.target,
            document: amount.document,
            currency: amount.currency,
            read_ms: a.at.getTime(),
            version: a.version,
            amount_micros: micros,
            rows: amount.rows,
          },
        ];
      }),
    );
    if (values.length === 0) return;
    await this.client.insert({ table: 'erp_amounts', format: 'JSONEachRow', values });
  }

  /**
   * A context's readings: of each document, what its newest read found (a row per currency;
   * amount 0 and no rows when the document held nothing that counts), by connector, module
   * and document.
   */
  async ofContext(contextReferenceId: string): Promise<ErpAmountReading[]> {
    const rows = await selectRows<{
      connector: string;
      target: string;
      document: string;
      currency: string;
      read_ms: string;
      version: number;
      amount_micros: string;
      rows: number;
    }>(
      this.client,
      sql`SELECT connector, target, document, currency, read_ms, version, amount_micros, rows
        FROM (${newestReadings(sql`context_reference_id = ${contextReferenceId}`)})
        ORDER BY connector, target, document, currency`,
    );
    return rows.map((r) => ({
      connector: r.connector,
      target: r.target,
      document: r.document,
      currency: r.currency,
      amount: fromMicros(r.amount_micros, 2),
      rows: Number(r.rows),
      version: Number(r.version),
      readAt: new Date(Number(r.read_ms)),
    }));
  }
}

/**
 * The rows of `erp_amounts` (where `condition` holds) that the newest read of each document
 * wrote: one per currency it found. An older read counts for nothing, whatever its currency:
 * a journal reversed since, or an Opportunity no longer won, reads as 0 (no rows) and that
 * replaces what was read before. Repeats of a row (a replay, merges not done yet) count once.
 */
export function newestReadings(condition: SqlFragment): SqlFragment {
  return sql`SELECT context_reference_id, connector, target, document, currency, read_ms,
      version, amount_micros, rows
    FROM erp_amounts
    WHERE ${condition}
      AND (context_reference_id, connector, target, document, read_ms) IN (
        SELECT context_reference_id, connector, target, document, max(read_ms)
        FROM erp_amounts WHERE ${condition}
        GROUP BY context_reference_id, connector, target, document
      )
    LIMIT 1 BY context_reference_id, connector, target, document, currency`;
}
