import type { ClickHouseClient } from '@clickhouse/client';
import { fromMicros, toMicros } from '@ctxb/context';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { selectRows } from '../clickhouse-client';
import { sql } from '../sql/sql';

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

  /** A context's readings, newest of each document, by connector, module and document. */
  async ofContext(contextReferenceId: string): Promise<ErpAmountReading[]> {
    const rows = await selectRows<{
      connector: string;
      target: string;
      document: string;
      currency: string;
      newest_ms: string;
      newest_version: number;
      newest_micros: string;
      newest_rows: number;
    }>(
      this.client,
      // Aliases differ from the columns: 18.16 would read them inside the other aggregates.
      sql`SELECT connector, target, document, currency,
          max(read_ms) AS newest_ms,
          argMax(version, read_ms) AS newest_version,
          argMax(amount_micros, read_ms) AS newest_micros,
          argMax(rows, read_ms) AS newest_rows
        FROM erp_amounts
        WHERE context_reference_id = ${contextReferenceId}
        GROUP BY connector, target, document, currency
        ORDER BY connector, target, document, currency`,
    );
    return rows.map((r) => ({
      connector: r.connector,
      target: r.target,
      document: r.document,
      currency: r.currency,
      amount: fromMicros(r.newest_micros, 2),
      rows: Number(r.newest_rows),
      version: Number(r.newest_version),
      readAt: new Date(Number(r.newest_ms)),
    }));
  }
}
